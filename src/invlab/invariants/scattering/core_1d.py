"""The 1D scattering algorithm, batched over all wavelets that share a subsampling factor.

    S0 x = x ⋆ φ,   S1 x = |x ⋆ ψ_λ1| ⋆ φ,   S2 x = ||x ⋆ ψ_λ1| ⋆ ψ_λ2| ⋆ φ   (j2 > j1),

all convolutions computed in the Fourier domain on the padded signal, each output subsampled as
far as its bandwidth allows (by 2^k) before the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .ops import fold_product, hermitian_full, lowpass_fft, modulus


@dataclass(frozen=True)
class Lowpass1D:
    """``u ↦ (u ⋆ φ)[::2^k][start:end]`` on a signal at resolution level ``level``."""

    level: int
    k: int
    start: int
    end: int
    dense: bool  # a matrix product (small sizes) instead of rfft → gather → irfft

    @property
    def name(self) -> str:
        return f"phi_{self.level}_{self.k}"


@dataclass(frozen=True)
class Order2Group:
    """Second-order wavelets ψ_λ2 (indices n2) applied after one first-order group."""

    n2: tuple[int, ...]
    k2: int  # their outputs are subsampled by 2^k2 (on top of 2^k1)
    lowpass: Lowpass1D
    blocks: tuple[int, ...]  # frequency blocks where the filters are not negligible

    @property
    def name(self) -> str:
        return f"psi2_{self.n2[0]}_{self.lowpass.level - self.k2}"


@dataclass(frozen=True)
class Order1Group:
    """First-order wavelets ψ_λ1 (indices n1) that share j1, hence the subsampling 2^k1."""

    n1: tuple[int, ...]
    j1: int
    k1: int
    lowpass: Lowpass1D
    blocks: tuple[int, ...]
    children: tuple[Order2Group, ...] = field(default=())

    @property
    def name(self) -> str:
        return f"psi1_{self.n1[0]}"


def wavelet_modulus(u_hat: torch.Tensor, psi: torch.Tensor, k: int, blocks) -> torch.Tensor:
    """|u ⋆ ψ|[::2^k] for every filter in ``psi`` (shape ``(F, n)``, pre-scaled by 2^−k).

    Subsampling by 2^k in time is a periodisation of the spectrum: fold it into 2^k blocks.
    """
    return modulus(torch.fft.ifft(fold_product(u_hat, psi, 2**k, ndim=1, blocks=blocks)))


def lowpass(u: torch.Tensor, op: Lowpass1D, f: dict[str, torch.Tensor], u_half=None):
    """(u ⋆ φ)[::2^k] cropped to the signal's extent: a matrix product or rfft-fold-irfft."""
    if op.dense:
        A = f[op.name]  # (n, T)
        if A.shape[0] <= 64:  # short rows: the small operator on the left is 1.6× faster
            return (A.T @ u.reshape(-1, A.shape[0]).T).T.view(*u.shape[:-1], A.shape[1])
        return u @ A
    index, weight = f[op.name + "_index"], f[op.name]
    n_out = u.shape[-1] // 2**op.k
    return lowpass_fft(u, index, weight, n_out, op.start, op.end, u_half)


def scattering1d(
    x_pad: torch.Tensor,
    s0: Lowpass1D,
    groups: tuple[Order1Group, ...],
    f: dict[str, torch.Tensor],
    max_order: int,
) -> torch.Tensor:
    """Scattering coefficients ``(B, C, T)`` of padded signals ``x_pad`` of shape ``(B, N_pad)``.

    Channel order (Kymatio's): S0, then every S1[n1], then S2[n1, n2] for n1, then n2, j2 > j1.
    """
    x_half = torch.fft.rfft(x_pad)
    x_hat = hermitian_full(x_half, x_pad.shape[-1])
    out_1 = [lowpass(x_pad, s0, f, x_half).unsqueeze(-2)]
    out_2 = []
    for g in groups:
        u1 = wavelet_modulus(x_hat, f[g.name], g.k1, g.blocks)  # (B, F1, N_pad / 2^k1)
        u1_half = None if g.lowpass.dense else torch.fft.rfft(u1)
        out_1.append(lowpass(u1, g.lowpass, f, u1_half))
        if max_order < 2 or not g.children:
            continue
        n = u1.shape[-1]
        u1_hat = hermitian_full(torch.fft.rfft(u1) if u1_half is None else u1_half, n)
        s2 = [
            lowpass(wavelet_modulus(u1_hat, f[h.name], h.k2, h.blocks), h.lowpass, f)
            for h in g.children
        ]
        out_2.append(torch.cat(s2, dim=-2).flatten(-3, -2))  # (B, F1·F2, T), n1-major
    return torch.cat(out_1 + out_2, dim=-2)
