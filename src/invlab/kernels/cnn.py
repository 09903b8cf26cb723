"""The NNGP and NTK of an infinitely wide CNN with circular padding (Novak 2019, Arora 2019).

The network, in neural-tangents' ``stax`` parameterisation, is ``depth`` × (circular
convolution with a window ``w`` of ``|w| = kᵈ`` offsets over ``C`` input channels, activation
``φ``), a readout (flatten or global average pooling) and a dense layer. Its kernels are spatial
covariances ``K(x, x′)[i, j]`` between position ``i`` of ``x`` and position ``j`` of ``x′``:

    K⁰[i, j] = Σ_c x[c, i] x′[c, j] / C,                              Θ⁰ = 0,
    conv:   K[i, j] ← σ_w² (1/|w|) Σ_{t∈w} K[i+t, j+t] + σ_b²,
            Θ[i, j] ← σ_w² (1/|w|) Σ_{t∈w} (K + Θ)[i+t, j+t] + σ_b²,
    φ:      K[i, j] ← E[φ(u)φ(v)],  Θ[i, j] ← Θ[i, j] · E[φ'(u)φ'(v)],
            (u, v) ~ N(0, [[K(x,x)[i,i], K[i,j]], [K[i,j], K(x′,x′)[j,j]]]),

indices taken modulo the signal's length (circular padding). The readouts are

    flatten:  K ← (1/|S|) Σ_i K[i, i]           (only the diagonal: a locally connected net),
    gap:      K ← (1/|S|²) Σ_{i,j} K[i, j]      (every pair of positions: shift invariant),

the same for ``Θ``, then the dense layer ``K ← σ_w² K + σ_b²``, ``Θ ← σ_w² (K + Θ) + σ_b²``.

A conv step moves entries only along the diagonals ``i − j = const`` and ``φ`` is elementwise,
so the flatten kernel needs only the ``|S|`` diagonal entries per pair (weight sharing plays no
role: Novak 2019), and the GAP kernel the full ``|S| × |S|`` covariance per pair. Pairs are
processed in blocks so that the ``(n₁, n₂, |S|, |S|)`` tensor is never formed.
"""

from __future__ import annotations

from typing import Any, Unpack

import torch
import torch.nn.functional as F

from invlab._validation import check_choice, check_int
from invlab.kernels.activations import activation_maps
from invlab.kernels.base import ComputeOptions, blocked_kernel, check_input
from invlab.kernels.stax import (
    ACTIVATION,
    B_STD,
    W_STD,
    KernelOptions,
    StaxKernel,
    kernel_options,
)

READOUTS = ("gap", "flatten")

Pair = tuple[torch.Tensor, torch.Tensor | None]  # (K, Θ), Θ None for the NNGP alone


def cnn_kernel(
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    depth: int,
    kind: str = "nngp",
    kernel_size: int = 3,
    readout: str = "gap",
    **options: Unpack[KernelOptions],
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """The NNGP / NTK matrix of :class:`CNNKernel`, as a plain function.

    Args: as :class:`CNNKernel` and its ``forward``; ``options``: ``w_std, b_std,
    activation`` and the computation options (:class:`~invlab.kernels.stax.KernelOptions`).

    Examples:
        >>> cnn_kernel(torch.randn(3, 1, 10), depth=2, readout="flatten").shape
        torch.Size([3, 3])
    """
    depth = check_int(depth, "depth", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    readout = check_choice(readout, "readout", READOUTS)
    (w_std, b_std, activation), compute = kernel_options(options, "cnn_kernel")
    x1 = _check_shape(check_input(x1, "x1"), "x1", kernel_size)
    x2 = None if x2 is None else _check_shape(check_input(x2, "x2"), "x2", kernel_size)
    layer_map, variance = activation_maps(activation)
    w2, b2 = w_std**2, b_std**2
    d = x1.dim() - 2
    window = kernel_size**d

    def prepare(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """First-layer patches ``(n, *S, C·kᵈ)`` and pre-activation variances ``(n, L, *S)``."""
        patches = _patches(x, kernel_size)
        v = w2 * (patches * patches).mean(-1) + b2
        variances = [v]
        for _ in range(depth - 1):
            v = _window_sum(variance(v), kernel_size, range(1, 1 + d)).mul_(w2 / window)
            variances.append(v.add_(b2))
        return patches, torch.stack(variances, 1)

    def pairs(p1: Any, p2: Any, ntk: bool) -> Pair:
        # Layout (b1, b2, *D, *S): entry [a, b, δ, i] is the covariance between position i of
        # x1[a] and position i + δ of x2[b]. GAP needs every offset δ; flatten only δ = 0.
        (q1, v1), (q2, v2) = p1, p2
        spatial = q1.shape[1:-1]
        offsets = spatial if readout == "gap" else (1,) * d
        index = _offset_index(spatial, offsets, q1.device)
        axes = range(2 + d, 2 + 2 * d)
        n1, n2 = q1.shape[0], q2.shape[0]

        k, theta = _input_conv(q1, q2, index, offsets, w2, b2, ntk)
        for layer in range(depth):
            var1 = v1[:, layer].reshape(n1, 1, *([1] * d), *spatial)
            var2 = v2[:, layer].reshape(n2, -1)[:, index].reshape(1, n2, *offsets, *spatial)
            k, theta = _activation(k, theta, layer_map, var1, var2)
            if layer < depth - 1:
                k, theta = _conv(k, theta, kernel_size, axes, w2 / window, b2)
        k, theta = _readout(k, theta, range(2, 2 + 2 * d))
        return _dense(k, theta, w2, b2)

    return blocked_kernel(
        x1,
        x2,
        kind,
        prepare=prepare,
        pairs=pairs,
        pair_cost=x1[0, 0].numel() ** (2 if readout == "gap" else 1),
        label="CNNKernel",
        **compute,
    )


# -- one step of the recursion each ---------------------------------------------------------


def _input_conv(q1, q2, index, offsets, w2: float, b2: float, ntk: bool) -> Pair:
    """The first conv on ``K⁰``: ``K¹[i, i+δ] = σ_w² patch₁(i)·patch₂(i+δ) / (C|w|) + σ_b²``,
    ``Θ¹ = K¹`` (``Θ⁰ = 0``); the window sum is the dot product of patches."""
    n1, n2, p = q1.shape[0], q2.shape[0], q1.shape[-1]
    spatial = q1.shape[1:-1]
    moved = q2.reshape(n2, -1, p)[:, index]  # (b2, D, I, p): x2's patch at i + δ
    k = torch.einsum("aip,bdip->abdi", q1.reshape(n1, -1, p), moved)
    k = k.reshape(n1, n2, *offsets, *spatial).mul_(w2 / p)
    if b2:
        k.add_(b2)
    return k, (k.clone() if ntk else None)


def _activation(k, theta, layer_map, var1, var2) -> Pair:
    """``φ``: ``K ← E[φ(u)φ(v)]``, ``Θ ← Θ · E[φ'(u)φ'(v)]``."""
    k, deriv = layer_map(k, var1, var2, derivative=theta is not None)
    return k, (None if theta is None else theta.mul_(deriv))


def _conv(k, theta, kernel_size: int, axes, scale: float, b2: float) -> Pair:
    """conv: ``K ← σ_w²/|w| Σ_t K[i+t, j+t] + σ_b²``, ``Θ ← σ_w²/|w| Σ_t (K + Θ)[…] + σ_b²``."""
    if theta is not None:
        theta = _window_sum(theta.add_(k), kernel_size, axes, scale)
        if b2:
            theta.add_(b2)
    k = _window_sum(k, kernel_size, axes, scale)
    if b2:
        k.add_(b2)
    return k, theta


def _readout(k, theta, reduce) -> Pair:
    """flatten (``δ = 0`` only) or gap (every ``δ``): the mean over the remaining entries."""
    return k.mean(list(reduce)), (None if theta is None else theta.mean(list(reduce)))


def _dense(k, theta, w2: float, b2: float) -> Pair:
    """The dense layer: ``K ← σ_w² K + σ_b²``, ``Θ ← σ_w² (K + Θ) + σ_b²``."""
    out_theta = None if theta is None else theta.add_(k).mul_(w2).add_(b2)
    return k.mul_(w2).add_(b2), out_theta


def _check_shape(x: torch.Tensor, name: str, kernel_size: int) -> torch.Tensor:
    if x.dim() not in (3, 4):
        raise ValueError(
            f"{name} must be (n, C, N) signals or (n, C, H, W) images, got shape {tuple(x.shape)}"
        )
    short = [s for s in x.shape[2:] if s < kernel_size]
    if short:
        raise ValueError(
            f"{name} has spatial shape {tuple(x.shape[2:])}, shorter than kernel_size="
            f"{kernel_size} along an axis; use inputs of at least {kernel_size} "
            f"samples per axis or a smaller kernel_size"
        )
    return x


class CNNKernel(StaxKernel):
    """NNGP / NTK of ``depth`` × (circular Conv, activation), a readout and a Dense layer.

    Equals neural-tangents' ``stax.serial(*[Conv(·, (k,)*d, padding='CIRCULAR', W_std=w_std,
    b_std=b_std), Relu()] * depth, GlobalAvgPool() or Flatten(), Dense(·, w_std, b_std))``.

    Args:
        depth: number of convolutional layers, ``>= 1``.
        kernel_size: the window along every spatial axis (``<=`` each axis' length).
        readout: ``'gap'`` (global average pooling) or ``'flatten'``.
        w_std: weight standard deviation ``σ_w``.
        b_std: bias standard deviation ``σ_b``.
        activation: ``'relu'``, ``'erf'`` or ``'linear'``.
        block_size, dtype, progress, threads: see :class:`~invlab.kernels.base.Kernel`.

    Shape:
        ``x1 (n1, C, N)`` or ``(n1, C, H, W)``, ``x2`` the same trailing shape → ``(n1, n2)``.
        A GAP block holds ``b² · |S|²`` numbers per array (``b = block_size``).

    Examples:
        >>> k = CNNKernel(depth=2, readout="gap")
        >>> x = torch.randn(4, 1, 12)
        >>> shifted = torch.roll(x, 3, dims=-1)
        >>> torch.allclose(k(x), k(shifted, x), atol=1e-12)
        True
    """

    twin = staticmethod(cnn_kernel)

    def __init__(
        self,
        depth: int,
        kernel_size: int = 3,
        readout: str = "gap",
        w_std: float = W_STD,
        b_std: float = B_STD,
        activation: str = ACTIVATION,
        **options: Unpack[ComputeOptions],
    ) -> None:
        super().__init__(depth, w_std, b_std, activation, **options)
        self.kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
        self.readout = check_choice(readout, "readout", READOUTS)

    def architecture(self) -> dict[str, Any]:
        return {**super().architecture(), "kernel_size": self.kernel_size, "readout": self.readout}

    def _check_shape(self, x: torch.Tensor, name: str) -> None:
        _check_shape(x, name, self.kernel_size)


def _patches(x: torch.Tensor, k: int) -> torch.Tensor:
    """Circular patches: ``(n, C, *S)`` → ``(n, *S, C·kᵈ)``, entry ``(c, t)`` = ``x[c, s + t]``."""
    d = x.dim() - 2
    left = (k - 1) // 2
    pad = [left, k - 1 - left] * d
    xp = F.pad(x, pad, mode="circular") if k > 1 else x
    for a in range(d):
        xp = xp.unfold(2 + a, k, 1)  # (n, C, *S, k, ...)
    # (n, C, S_1.., S_d, k_1.., k_d) → (n, S_1.., S_d, C, k_1.., k_d)
    perm = [0, *range(2, 2 + d), 1, *range(2 + d, 2 + 2 * d)]
    return xp.permute(perm).reshape(*x.shape[:1], *x.shape[2:], -1)


def _offset_index(spatial, offsets, device) -> torch.Tensor:
    """``(D, I)`` flat indices of position ``i + δ`` (circular) for every offset δ, position i."""
    grids = [torch.arange(n, device=device) for n in spatial]
    pos = torch.stack(torch.meshgrid(*grids, indexing="ij"), -1).reshape(-1, len(spatial))
    offs = [torch.arange(m, device=device) for m in offsets]
    delta = torch.stack(torch.meshgrid(*offs, indexing="ij"), -1).reshape(-1, len(spatial))
    moved = (pos[None, :, :] + delta[:, None, :]) % torch.tensor(spatial, device=device)
    flat = torch.zeros(moved.shape[:2], dtype=torch.long, device=device)
    for a, n in enumerate(spatial):
        flat = flat * n + moved[..., a]
    return flat


def _window_sum(v: torch.Tensor, k: int, dims, scale: float = 1.0) -> torch.Tensor:
    """``scale · Σ_t v[s + t]`` over circular windows ``t ∈ {−⌊(k−1)/2⌋, …}`` along ``dims``.

    ``v`` may be overwritten. The scale rides on the first sum's pass (no extra pass).
    """
    left = (k - 1) // 2
    dims = list(dims)
    if k == 1 or not dims:
        return v.mul_(scale) if scale != 1.0 else v
    for a, dim in enumerate(dims):
        n = v.shape[dim]
        padded = torch.cat([v.narrow(dim, n - left, left), v, v.narrow(dim, 0, k - 1 - left)], dim)
        if a == 0 and scale != 1.0:
            out = torch.mul(padded.narrow(dim, 0, n), scale)
            for t in range(1, k):
                out.add_(padded.narrow(dim, t, n), alpha=scale)
        else:
            out = torch.add(padded.narrow(dim, 0, n), padded.narrow(dim, 1, n))
            for t in range(2, k):
                out.add_(padded.narrow(dim, t, n))
        v = out
    return v
