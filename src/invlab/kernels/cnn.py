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
        block_size, dtype, progress: see :class:`~invlab.kernels.base.Kernel`.

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
    ) -> None:
        super().__init__(block_size=block_size, dtype=dtype, progress=progress)
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
        v = w2 * (patches * patches).mean(-1) + b2
        variances = [v]
        for _ in range(self.depth - 1):
            v = w2 * _window_mean(self._variance(v), self.kernel_size, range(1, v.dim())) + b2
            variances.append(v)
        return patches, torch.stack(variances, 1)

    def _pairs(self, p1, p2, ntk: bool):
        (q1, v1), (q2, v2) = p1, p2
        d = q1.dim() - 2  # spatial dimensions
        w2, b2 = self.w_std**2, self.b_std**2
        b1n, b2n, depth = q1.shape[0], q2.shape[0], self.depth
        if self.readout == "flatten":
            # Diagonal entries only: layout (b1, b2, *S).
            k = torch.einsum("a...p,b...p->ab...", q1, q2).mul_(w2 / q1.shape[-1]).add_(b2)
            axes = [[2 + a] for a in range(d)]
            sp1 = [v1[:, layer].reshape(b1n, 1, *v1.shape[2:]) for layer in range(depth)]
            sp2 = [v2[:, layer].unsqueeze(0) for layer in range(depth)]
        else:
            # Full covariance: layout (b1, *S, b2, *S), axis i of x1 pairs with axis i of x2.
            spatial = q1.shape[1:-1]
            k = (q1.reshape(-1, q1.shape[-1]) @ q2.reshape(-1, q2.shape[-1]).T).mul_(
                w2 / q1.shape[-1]
            )
            k = k.view(b1n, *spatial, b2n, *spatial).add_(b2)
            axes = [[1 + a, 2 + d + a] for a in range(d)]
            sp1 = [v1[:, layer].reshape(b1n, *spatial, *([1] * (d + 1))) for layer in range(depth)]
            sp2 = [v2[:, layer].reshape(1, *([1] * d), b2n, *spatial) for layer in range(depth)]
        theta = k.clone() if ntk else None
        for layer in range(depth):
            k, deriv = self._map(k, sp1[layer], sp2[layer], derivative=ntk)
            if ntk:
                theta.mul_(deriv)
            if layer < depth - 1:
                if ntk:
                    theta.add_(k)
                    theta = _diagonal_window_mean(theta, self.kernel_size, axes).mul_(w2).add_(b2)
                k = _diagonal_window_mean(k, self.kernel_size, axes).mul_(w2).add_(b2)
        if self.readout == "flatten":
            reduce = list(range(2, 2 + d))
        else:
            reduce = [a for pair in axes for a in pair]
        k = k.mean(reduce)
        out_k = k * w2 + b2
        out_theta = (theta.mean(reduce) + k).mul_(w2).add_(b2) if ntk else None
        return out_k.reshape(b1n, b2n), (out_theta.reshape(b1n, b2n) if ntk else None)


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


def _window_mean(v: torch.Tensor, k: int, dims) -> torch.Tensor:
    """``(1/kᵈ) Σ_t v[s + t]`` over circular windows along ``dims`` (the variance maps)."""
    left = (k - 1) // 2
    for dim in dims:
        n = v.shape[dim]
        padded = torch.cat([v.narrow(dim, n - left, left), v, v.narrow(dim, 0, k - 1 - left)], dim)
        out = padded.narrow(dim, 0, n).clone()
        for t in range(1, k):
            out.add_(padded.narrow(dim, t, n))
        v = out.div_(k)
    return v


def _diagonal_window_mean(c: torch.Tensor, k: int, axes) -> torch.Tensor:
    """``(1/kᵈ) Σ_t c[i + t, j + t]``: for every group of axes, shift them all together.

    ``axes`` lists, per spatial axis, the tensor dimensions that move together (``[i]`` for a
    diagonal-only map, ``[i, j]`` for a full covariance).
    """
    left = (k - 1) // 2
    right = k - 1 - left
    for group in axes:
        padded = c
        for dim in group:
            n = padded.shape[dim]
            padded = torch.cat(
                [padded.narrow(dim, n - left, left), padded, padded.narrow(dim, 0, right)], dim
            )
        sizes = [c.shape[dim] for dim in group]

        def view(t: int, padded=padded, group=group, sizes=sizes) -> torch.Tensor:
            out = padded
            for dim, n in zip(group, sizes, strict=True):
                out = out.narrow(dim, t, n)
            return out

        out = view(0).clone()
        for t in range(1, k):
            out.add_(view(t))
        c = out.div_(k)
    return c
