"""Pooling by an Lp norm, fixed or learned, over windows or over the whole signal.

The power mean of a window ``W`` with ``|W| = K`` values,

    y = ( (1/K) · Σ_{i∈W} |x_i|^p )^{1/p},

is the average of ``|x|`` at ``p = 1``, the root mean square at ``p = 2`` and tends to
``max |x|`` as ``p → ∞`` (it lies in ``[K^{-1/p} · max, max]``). The pooling norm is the knob
between "how much" (average) and "whether anywhere" (max), and the invariance of a pooled
feature to moving things inside the window comes from this choice.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from invlab._validation import check_choice, check_int, check_positive, check_tensor


def power_mean(x: torch.Tensor, p: torch.Tensor | float, dim: int = -1) -> torch.Tensor:
    """``((1/K) Σ |x|^p)^{1/p}`` along ``dim``, computed stably for large ``p``.

    Dividing by the maximum first keeps ``|x|^p`` in range: ``y = m · (mean (|x|/m)^p)^{1/p}``
    with ``m = max |x|``. ``p = inf`` gives ``max |x|``. ``p`` broadcasts against the result.
    """
    a = x.abs()
    m = a.amax(dim=dim, keepdim=True)
    if isinstance(p, float | int) and math.isinf(p):
        return m.squeeze(dim)
    k = a.shape[dim]
    ratio = a / torch.where(m > 0, m, torch.ones_like(m))
    p_b = p.unsqueeze(dim) if isinstance(p, torch.Tensor) else p
    # The mean is >= 1/K whenever m > 0; the clamp only keeps all-zero windows differentiable.
    mean = ratio.pow(p_b).mean(dim=dim, keepdim=True).clamp_min(1.0 / k)
    return (m * mean.pow(1.0 / p_b)).squeeze(dim)


class LpPool(nn.Module):
    """Lp pooling over sliding windows, 1D or 2D, with ``p`` fixed or learned per channel.

    ``y = ((1/K) Σ_{window} |x|^p)^{1/p}`` with ``K`` the window size: ``p = 1`` is average
    pooling (of ``|x|``, i.e. of non-negative inputs such as ReLU outputs), large ``p``
    approaches max pooling, ``p = inf`` is max pooling of ``|x|``. Unlike
    ``torch.nn.LPPool2d`` the sum is normalised by ``K``, so ``p`` interpolates between the
    two classic poolings.

    A learnable ``p`` is parameterised as ``p = 1 + softplus(ρ)`` per channel, so ``p > 1``.

    Args:
        kernel_size: window size (an int, the same along every axis).
        stride: step between windows, default ``kernel_size``.
        p: the norm, ``>= 1`` (``float('inf')`` for max); the initial value when learnable.
        learnable: learn ``p`` (requires ``channels``).
        channels: number of channels, one ``p`` each, when ``learnable``.
        dims: 1 for signals ``(B, C, N)``, 2 for images ``(B, C, H, W)``.
        padding: zeros added on both sides of every spatial axis.

    Shape:
        ``(B, C, *S)`` → ``(B, C, *S')`` with ``S' = ⌊(S + 2·padding − kernel_size) / stride⌋ + 1``.

    Examples:
        >>> pool = LpPool(2, p=2.0, dims=2)
        >>> pool(torch.ones(1, 3, 4, 4)).shape
        torch.Size([1, 3, 2, 2])
        >>> LpPool(4, p=1.0, dims=1)(torch.tensor([[[1.0, 2.0, 3.0, 6.0]]]))
        tensor([[[3.]]])
    """

    def __init__(
        self,
        kernel_size: int,
        stride: int | None = None,
        p: float = 2.0,
        *,
        learnable: bool = False,
        channels: int | None = None,
        dims: int = 2,
        padding: int = 0,
    ) -> None:
        super().__init__()
        self.kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
        self.stride = kernel_size if stride is None else check_int(stride, "stride", minimum=1)
        self.dims = check_choice(dims, "dims", (1, 2))
        self.padding = check_int(padding, "padding", minimum=0)
        self.learnable = bool(learnable)
        p = _check_p(p)
        if self.learnable:
            if channels is None:
                raise ValueError("channels must be given (one p per channel) when learnable=True")
            check_int(channels, "channels", minimum=1)
            if math.isinf(p) or p <= 1:
                raise ValueError(f"p must be finite and > 1 when learnable=True, got {p}")
            rho = math.log(math.expm1(p - 1.0))  # inverse of softplus
            self.rho = nn.Parameter(torch.full((channels,), rho))
        self.channels = channels
        self._p = p

    @property
    def p(self) -> torch.Tensor | float:
        """The norm: a float, or a ``(C,)`` tensor when learnable."""
        if self.learnable:
            return 1.0 + F.softplus(self.rho)
        return self._p

    def extra_repr(self) -> str:
        p = f"learnable (C={self.channels})" if self.learnable else f"{self._p}"
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, p={p}, dims={self.dims}, "
            f"padding={self.padding}"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", min_dim=self.dims + 2)
        if self.learnable and x.shape[1] != self.channels:
            raise ValueError(f"x must have {self.channels} channels, got shape {tuple(x.shape)}")
        if self.padding:
            x = F.pad(x, (self.padding,) * (2 * self.dims))
        k, s = self.kernel_size, self.stride
        spatial = tuple(x.shape[-self.dims :])
        if min(spatial) < k:
            raise ValueError(
                f"kernel_size={k} is larger than the input: x has spatial size {spatial}"
                f"{' after padding' if self.padding else ''}; use kernel_size <= {min(spatial)} "
                f"or a larger input"
            )
        for axis in range(self.dims):
            x = x.unfold(2 + axis, k, s)  # windows go to trailing axes
        windows = x.flatten(-self.dims)  # (B, C, *S', K)
        p = self.p
        if isinstance(p, torch.Tensor):
            p = p.to(x.dtype).view(1, -1, *([1] * self.dims))
        return power_mean(windows, p, dim=-1)


class GlobalPool(nn.Module):
    """Pool every spatial position into one value per channel: ``(B, C, *S) → (B, C)``.

    ``'avg'`` is ``mean x``, ``'max'`` is ``max x``, ``'lp'`` is the power mean
    ``((1/N) Σ |x|^p)^{1/p}`` (fixed or learnable ``p``, as in :class:`LpPool`). All three
    are invariant to any permutation of the positions, hence to circular shifts.

    Args:
        kind: ``'avg'``, ``'max'`` or ``'lp'``.
        p: the norm for ``'lp'``.
        learnable: learn ``p`` per channel (``'lp'`` only; needs ``channels``).
        channels: number of channels when ``learnable``.

    Shape:
        ``(B, C, *S)`` → ``(B, C)``.

    Examples:
        >>> GlobalPool("lp", p=2.0)(torch.ones(2, 3, 5, 5)).shape
        torch.Size([2, 3])
    """

    def __init__(
        self,
        kind: str = "avg",
        p: float = 2.0,
        *,
        learnable: bool = False,
        channels: int | None = None,
    ) -> None:
        super().__init__()
        self.kind = check_choice(kind, "kind", ("avg", "max", "lp"))
        if learnable and kind != "lp":
            raise ValueError(f"learnable=True needs kind='lp', got kind={kind!r}")
        self.lp = (
            LpPool(1, p=p, learnable=learnable, channels=channels, dims=1) if kind == "lp" else None
        )

    def extra_repr(self) -> str:
        if self.lp is None:
            return f"kind={self.kind!r}"
        p = f"learnable (C={self.lp.channels})" if self.lp.learnable else self.lp._p
        return f"kind='lp', p={p}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", min_dim=3)
        flat = x.flatten(2)
        if self.kind == "avg":
            return flat.mean(dim=-1)
        if self.kind == "max":
            return flat.amax(dim=-1)
        p = self.lp.p
        if isinstance(p, torch.Tensor):
            p = p.to(x.dtype).view(1, -1)
        return power_mean(flat, p, dim=-1)


def _check_p(p: float) -> float:
    p = check_positive(p, "p") if not (isinstance(p, float) and math.isinf(p)) else p
    if p < 1:
        raise ValueError(f"p must be >= 1 (an Lp norm; p=1 is average, p=inf is max), got {p}")
    return float(p)
