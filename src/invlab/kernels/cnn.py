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

import torch
import torch.nn.functional as F

from invlab._validation import check_choice, check_int
from invlab.kernels.activations import activation_maps
from invlab.kernels.base import Kernel, check_std

READOUTS = ("gap", "flatten")


class CNNKernel(Kernel):
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

    def __init__(
        self,
        depth: int,
        kernel_size: int = 3,
        readout: str = "gap",
        w_std: float = 2**0.5,
        b_std: float = 0.0,
        activation: str = "relu",
        *,
        block_size: int | None = None,
        dtype: torch.dtype = torch.float64,
        progress: bool | None = None,
        threads: int | None = None,
    ) -> None:
        super().__init__(block_size=block_size, dtype=dtype, progress=progress, threads=threads)
        self.depth = check_int(depth, "depth", minimum=1)
        self.kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
        self.readout = check_choice(readout, "readout", READOUTS)
        self.w_std = check_std(w_std, "w_std")
        self.b_std = check_std(b_std, "b_std")
        self._map, self._variance = activation_maps(activation)
        self.activation = activation

    def extra_repr(self) -> str:
        return (
            f"depth={self.depth}, kernel_size={self.kernel_size}, readout={self.readout!r}, "
            f"w_std={self.w_std:g}, b_std={self.b_std:g}, activation={self.activation!r}"
        )

    # -- shapes --------------------------------------------------------------------------

    def _check_shape(self, x: torch.Tensor, name: str) -> None:
        if x.dim() not in (3, 4):
            raise ValueError(
                f"{name} must be (n, C, N) signals or (n, C, H, W) images, got shape "
                f"{tuple(x.shape)}"
            )
        short = [s for s in x.shape[2:] if s < self.kernel_size]
        if short:
            raise ValueError(
                f"{name} has spatial shape {tuple(x.shape[2:])}, shorter than kernel_size="
                f"{self.kernel_size} along an axis; use inputs of at least {self.kernel_size} "
                f"samples per axis or a smaller kernel_size"
            )

    def _pair_cost(self, x: torch.Tensor) -> int:
        size = x[0, 0].numel()
        return size * size if self.readout == "gap" else size

    # -- the recursion -------------------------------------------------------------------

    def _prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """First-layer patches ``(n, *S, C·kᵈ)`` and pre-activation variances ``(n, L, *S)``."""
        patches = _patches(x, self.kernel_size)
        w2, b2 = self.w_std**2, self.b_std**2
        spatial = list(range(1, x.dim() - 1))
        v = w2 * (patches * patches).mean(-1) + b2
        variances = [v]
        for _ in range(self.depth - 1):
            window = self.kernel_size ** len(spatial)
            v = _window_sum(self._variance(v), self.kernel_size, spatial).mul_(w2 / window)
            variances.append(v.add_(b2))
        return patches, torch.stack(variances, 1)

    def _pairs(self, p1, p2, ntk: bool):
        # Layout (b1, b2, *D, *S): entry [a, b, δ, i] is the covariance between position i of
        # x1[a] and position i + δ of x2[b]. GAP needs every offset δ; flatten only δ = 0.
        (q1, v1), (q2, v2) = p1, p2
        spatial = q1.shape[1:-1]
        d = len(spatial)
        offsets = spatial if self.readout == "gap" else (1,) * d
        w2, b2, depth = self.w_std**2, self.b_std**2, self.depth
        n1, n2 = q1.shape[0], q2.shape[0]
        index = _offset_index(spatial, offsets, q1.device)
        moved = q2.reshape(n2, -1, q2.shape[-1])[:, index]  # (b2, D, I, p): x2's patch at i + δ
        k = torch.einsum("aip,bdip->abdi", q1.reshape(n1, -1, q1.shape[-1]), moved)
        k = k.reshape(n1, n2, *offsets, *spatial).mul_(w2 / q1.shape[-1])
        if b2:
            k.add_(b2)
        theta = k.clone() if ntk else None
        axes = list(range(2 + d, 2 + 2 * d))
        window = self.kernel_size**d
        for layer in range(depth):
            var1 = v1[:, layer].reshape(n1, 1, *([1] * d), *spatial)
            var2 = v2[:, layer].reshape(n2, -1)[:, index].reshape(1, n2, *offsets, *spatial)
            last = layer == depth - 1
            scale = w2 if last else w2 / window  # the next dense or conv layer's factor
            k, deriv = self._map(k, var1, var2, derivative=ntk, scale=scale)
            if ntk:
                theta = theta.mul_(deriv).mul_(scale).add_(k)
            if not last:
                k = _window_sum(k, self.kernel_size, axes)
                theta = _window_sum(theta, self.kernel_size, axes) if ntk else None
                if b2:
                    k.add_(b2)
                    theta = theta.add_(b2) if ntk else None
        reduce = list(range(2, 2 + 2 * d))
        out_k = k.mean(reduce).add_(b2)
        out_theta = theta.mean(reduce).add_(b2) if ntk else None
        return out_k, out_theta


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


def _window_sum(v: torch.Tensor, k: int, dims) -> torch.Tensor:
    """``Σ_t v[s + t]`` over circular windows ``t ∈ {−⌊(k−1)/2⌋, …}`` along each of ``dims``."""
    left = (k - 1) // 2
    for dim in dims:
        if k == 1:
            continue
        n = v.shape[dim]
        padded = torch.cat([v.narrow(dim, n - left, left), v, v.narrow(dim, 0, k - 1 - left)], dim)
        out = torch.add(padded.narrow(dim, 0, n), padded.narrow(dim, 1, n))
        for t in range(2, k):
            out.add_(padded.narrow(dim, t, n))
        v = out
    return v
