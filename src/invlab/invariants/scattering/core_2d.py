"""The 2D scattering algorithm, batched over all L orientations of a scale.

    S0 x = x ⋆ φ_J
    S1 x = |x ⋆ ψ_{j1,θ1}| ⋆ φ_J
    S2 x = ||x ⋆ ψ_{j1,θ1}| ⋆ ψ_{j2,θ2}| ⋆ φ_J        (j2 > j1)

Wavelet convolutions are products in the Fourier domain; ``|x ⋆ ψ_j|`` is computed directly at
resolution 2^j by folding (periodising) the spectrum. The low-pass φ_J is separable, so the
final averaging + subsampling + unpadding is two small matrix products, ``Aᵀ U B``.
"""

from __future__ import annotations

import torch

from .ops import fold_product, modulus, rfft2_full


def wavelet_modulus(u_hat: torch.Tensor, psi: torch.Tensor, k: int) -> torch.Tensor:
    """|u ⋆ ψ|[::2^k, ::2^k] for the filters ``psi`` ``(L, m, n)`` (pre-scaled by 4^−k).

    ``u_hat`` is ``(..., m, n)``; the output is ``(..., L, m / 2^k, n / 2^k)``.
    """
    return modulus(torch.fft.ifft2(fold_product(u_hat, psi, 2**k, ndim=2)))


def lowpass(u: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """(u ⋆ φ_J) subsampled and unpadded: ``rowsᵀ · u · cols`` on the last two dimensions.

    Two plain matrix products over all leading dimensions at once (``u`` ``(..., m, n)`` →
    ``(..., H, W)``), each with the small operator on the left: ``colsᵀ · uᵀ`` reads u as a
    transposed matrix (no copy) and is 3-4× faster than ``u · cols``, whose output has only
    W columns. The result is a permuted view, ``(H, W, ...)`` in memory.
    """
    *lead, m, n = u.shape
    H, W = rows.shape[1], cols.shape[1]
    t = cols.T @ u.reshape(-1, n).T  # (W, lead·m)
    s = rows.T @ t.view(-1, m).T  # (H, W·lead)
    return s.view(H, W, *lead).permute(*range(2, 2 + len(lead)), 0, 1)


def scattering2d(
    x_pad: torch.Tensor,
    psi: list[list[torch.Tensor]],
    rows,
    cols,
    J: int,
    max_order: int,
) -> torch.Tensor:
    """Scattering coefficients ``(B, C, H, W)`` of padded images ``x_pad`` ``(B, M, N)``.

    ``psi[j][res]``: wavelets of scale j at resolution res; ``rows[j]``/``cols[j]``: the
    averaging operators for maps at resolution j. Channel order (Kymatio's): S0; S1 by (j1, θ1);
    S2 by (j1, θ1, j2, θ2).
    """
    B = x_pad.shape[0]
    x_hat = rfft2_full(x_pad)
    out_1 = [lowpass(x_pad, rows[0], cols[0]).unsqueeze(1)]
    out_2 = []
    for j1 in range(J):
        u1 = wavelet_modulus(x_hat, psi[j1][0], j1)  # (B, L, M/2^j1, N/2^j1)
        out_1.append(lowpass(u1, rows[j1], cols[j1]))
        if max_order < 2 or j1 == J - 1:
            continue
        u1_hat = rfft2_full(u1)
        s2 = [
            lowpass(wavelet_modulus(u1_hat, psi[j2][j1], j2 - j1), rows[j2], cols[j2])
            for j2 in range(j1 + 1, J)
        ]  # each (B, L1, L2, H, W)
        out_2.append(torch.cat(s2, dim=2).reshape(B, -1, *s2[0].shape[-2:]))
    return torch.cat(out_1 + out_2, dim=1)
