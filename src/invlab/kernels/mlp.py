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

from typing import Any, Unpack

import torch

from invlab._validation import check_int
from invlab.kernels.activations import activation_maps
from invlab.kernels.base import blocked_kernel, check_input
from invlab.kernels.stax import (
    KernelOptions,
    StaxKernel,
    kernel_options,
)


def mlp_kernel(
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    depth: int,
    kind: str = "nngp",
    **options: Unpack[KernelOptions],
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """The NNGP / NTK matrix of :class:`MLPKernel`, as a plain function.

    Args: as :class:`MLPKernel` and its ``forward``; ``options``: ``w_std, b_std,
    activation`` and the computation options (:class:`~invlab.kernels.stax.KernelOptions`).

    Examples:
        >>> mlp_kernel(torch.randn(3, 10), depth=2).shape
        torch.Size([3, 3])
    """
    depth = check_int(depth, "depth", minimum=1)
    (w_std, b_std, activation), compute = kernel_options(options, "mlp_kernel")
    x1 = check_input(x1, "x1")
    x2 = None if x2 is None else check_input(x2, "x2")
    layer_map, variance = activation_maps(activation)
    w2, b2 = w_std**2, b_std**2

    def prepare(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = x.reshape(x.shape[0], -1)
        v = w2 * (flat * flat).mean(1) + b2
        variances = [v]
        for _ in range(depth - 1):
            v = w2 * variance(v) + b2
            variances.append(v)
        return flat, torch.stack(variances, 1)  # (n, d), (n, depth): pre-activation variances

    def pairs(p1: Any, p2: Any, ntk: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        (f1, v1), (f2, v2) = p1, p2
        k = (f1 @ f2.T).mul_(w2 / f1.shape[1]).add_(b2)  # K¹
        theta = k.clone() if ntk else None
        for layer in range(depth):
            k, deriv = layer_map(k, v1[:, layer, None], v2[None, :, layer], derivative=ntk)
            k.mul_(w2).add_(b2)
            if ntk:
                theta = theta.mul_(deriv).mul_(w2).add_(k)
        return k, theta

    return blocked_kernel(
        x1, x2, kind, prepare=prepare, pairs=pairs, pair_cost=1, label="MLPKernel", **compute
    )


class MLPKernel(StaxKernel):
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

    twin = staticmethod(mlp_kernel)
