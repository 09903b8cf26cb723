"""The NNGP and NTK of an infinitely wide fully connected network (Lee 2018, Jacot 2018).

The network, in neural-tangents' ``stax`` ("NTK") parameterisation with ``d`` input features,

    h¹ = (σ_w/√d) W¹ x + σ_b b¹,   hˡ⁺¹ = (σ_w/√n) Wˡ⁺¹ φ(hˡ) + σ_b bˡ⁺¹,   f = h^{L+1},

(``L = depth`` hidden layers, all ``W, b ~ N(0, 1)``, width ``n → ∞``) has the kernels

    K⁰ = x·x′ / d,                         Θ⁰ = 0,
    Kˡ⁺¹ = σ_w² E[φ(u)φ(v)] + σ_b²,        Θˡ⁺¹ = Kˡ⁺¹ + σ_w² Θˡ E[φ'(u)φ'(v)],

with ``(u, v) ~ N(0, [[Kˡ(x,x), Kˡ(x,x′)], [Kˡ(x,x′), Kˡ(x′,x′)]])`` (no activation before the
first layer: ``K¹ = σ_w² K⁰ + σ_b²``, ``Θ¹ = K¹``). The kernel depends on ``x, x′`` only through
``‖x‖, ‖x′‖`` and ``x·x′``: it is invariant to any orthogonal map applied to both inputs, and to
nothing applied to one of them.
"""

from __future__ import annotations

import torch

from invlab._validation import check_int
from invlab.kernels.activations import activation_maps
from invlab.kernels.base import Kernel, check_std


class MLPKernel(Kernel):
    """NNGP / NTK of ``depth`` × (Dense, activation) followed by a Dense readout.

    Equals neural-tangents' ``stax.serial(*[Dense(·, W_std, b_std), Relu()] * depth,
    Dense(·, W_std, b_std))`` (default "ntk" parameterisation). Inputs are flattened.

    Args:
        depth: number of hidden layers, ``>= 1``.
        w_std: weight standard deviation ``σ_w``.
        b_std: bias standard deviation ``σ_b``.
        activation: ``'relu'``, ``'erf'`` or ``'linear'``.
        block_size, dtype, progress, threads: see :class:`~invlab.kernels.base.Kernel`.

    Shape:
        ``x1 (n1, *S)``, ``x2 (n2, *S)`` → ``(n1, n2)``.

    Examples:
        >>> k = MLPKernel(depth=2)
        >>> x = torch.randn(5, 1, 16)
        >>> k(x).shape, k(x, x[:2], kind="ntk").shape
        (torch.Size([5, 5]), torch.Size([5, 2]))
    """

    def __init__(
        self,
        depth: int,
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
        self.w_std = check_std(w_std, "w_std")
        self.b_std = check_std(b_std, "b_std")
        self._map, self._variance = activation_maps(activation)
        self.activation = activation

    def extra_repr(self) -> str:
        return (
            f"depth={self.depth}, w_std={self.w_std:g}, b_std={self.b_std:g}, "
            f"activation={self.activation!r}"
        )

    def _prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = x.reshape(x.shape[0], -1)
        w2, b2 = self.w_std**2, self.b_std**2
        v = w2 * (flat * flat).mean(1) + b2
        variances = [v]
        for _ in range(self.depth - 1):
            v = w2 * self._variance(v) + b2
            variances.append(v)
        return flat, torch.stack(variances, 1)  # (n, d), (n, depth): pre-activation variances

    def _pairs(self, p1, p2, ntk: bool):
        (f1, v1), (f2, v2) = p1, p2
        w2, b2 = self.w_std**2, self.b_std**2
        k = (f1 @ f2.T).mul_(w2 / f1.shape[1]).add_(b2)  # K¹
        theta = k.clone() if ntk else None
        for layer in range(self.depth):
            k, deriv = self._map(k, v1[:, layer, None], v2[None, :, layer], derivative=ntk)
            k.mul_(w2).add_(b2)
            if ntk:
                theta = theta.mul_(deriv).mul_(w2).add_(k)
        return k, theta
