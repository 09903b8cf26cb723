"""Scale-space convolution: one set of weights applied at every scale of a geometric family.

    y[o, i] = b_o + Σ_{c, (m, n)} w[o, c, (m, n)] · (σ_i^{m+n} ∂_y^m ∂_x^n G_{σ_i}) ⋆ x[c, (i)]

``G_σ`` is the Gaussian of width ``σ``, ``m + n ≤ order`` the orders of its derivatives
(scale-normalised by ``σ^{m+n}``), and ``σ_i = σ_0 · base^i`` for ``i = 0 … S−1``. The weights
``w`` are the same at every scale, and the scale-normalised derivatives satisfy
``(σ^k ∂^k G_σ) ⋆ x(·/s) = ((σ/s)^k ∂^k G_{σ/s} ⋆ x)(·/s)``, so zooming the input by
``s = base^k`` shifts the scale axis by ``k`` (up to pixel sampling and the ends of the axis):

    y_i(zoom_s x) = zoom_s y_{i−k}(x).

A lifting layer (input ``(B, C, H, W)``) filters the one input at every scale; a scale-space
layer (input ``(B, C, S, H, W)``) filters slice ``i`` at scale ``σ_i`` only (SESN's scale
kernel of size 1; Sosnovik, Szmaja & Smeulders 2020), which keeps the same equivariance.
The Gaussian derivatives are separable, so each scale costs two 1D depthwise convolutions and
one 1×1 mixing, not a dense ``k × k`` kernel per scale.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from invlab._validation import check_int, check_positive, check_tensor


def _orders(order: int) -> list[tuple[int, int]]:
    """The derivative orders ``(m, n)`` (along y, x) with ``m + n <= order``."""
    return [(m, n) for m in range(order + 1) for n in range(order + 1) if m + n <= order]


def gaussian_derivatives_1d(sigma: float, order: int, truncate: float = 3.0) -> torch.Tensor:
    """Scale-normalised 1D Gaussian derivatives ``σ^k d^k/dt^k G_σ(t)``, ``k = 0 … order``.

    Sampled at integers ``|t| <= ⌈truncate·σ⌉``; the Gaussian is normalised to sum 1 on that
    support and the derivatives are ``G·(−t/σ)`` and ``G·((t/σ)² − 1)`` of it.

    Returns:
        ``(order + 1, 2r + 1)`` float64 filters, ``r = ⌈truncate·σ⌉``.
    """
    sigma = check_positive(sigma, "sigma")
    check_int(order, "order", minimum=0)
    if order > 2:
        raise ValueError(f"order must be 0, 1 or 2, got {order}")
    r = max(1, math.ceil(truncate * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float64) / sigma
    g = torch.exp(-0.5 * t**2)
    g = g / g.sum()
    return torch.stack([g, -t * g, (t**2 - 1) * g][: order + 1])


def scale_sigmas(num_scales: int, sigma: float, base: float) -> tuple[float, ...]:
    """``σ_i = sigma · base^i`` for ``i = 0 … num_scales − 1``."""
    check_int(num_scales, "num_scales", minimum=1)
    sigma = check_positive(sigma, "sigma")
    base = check_positive(base, "base")
    if base <= 1:
        raise ValueError(f"base must be > 1 (the ratio of neighbouring scales), got {base}")
    return tuple(sigma * base**i for i in range(num_scales))


def scale_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    sigmas: tuple[float, ...],
    order: int = 2,
    bias: torch.Tensor | None = None,
    truncate: float = 3.0,
) -> torch.Tensor:
    """Functional :class:`ScaleConv2d`.

    Args:
        x: ``(B, C, H, W)`` (lifting) or ``(B, C, S, H, W)`` with ``S = len(sigmas)``.
        weight: ``(out, C, J)`` coefficients of the ``J`` derivatives of order ``<= order``
            (``J = 1, 3, 6`` for order ``0, 1, 2``), in the order ``(m, n)`` with ``m`` (along
            y) outer.
        sigmas: the Gaussian widths, one per scale, in pixels.
        order: the highest derivative order, 0–2.
        bias: ``(out,)``, shared by every scale, or ``None``.
        truncate: filter radius in widths.

    Returns:
        ``(B, out, S, H, W)``, zero ("same") padding.
    """
    check_tensor(x, "x", min_dim=4)
    sigmas = tuple(float(s) for s in sigmas)
    orders = _orders(order)
    if x.dim() not in (4, 5):
        raise ValueError(f"x must be (B, C, H, W) or (B, C, S, H, W), got shape {tuple(x.shape)}")
    if x.dim() == 5 and x.shape[2] != len(sigmas):
        raise ValueError(
            f"x has {x.shape[2]} scales (shape {tuple(x.shape)}) but sigmas has {len(sigmas)}"
        )
    c = x.shape[1]
    if weight.dim() != 3 or weight.shape[1:] != (c, len(orders)):
        raise ValueError(
            f"weight must be (out, {c}, {len(orders)}) for {c} input channels and order "
            f"{order}, got shape {tuple(weight.shape)}"
        )
    k = order + 1
    keep = torch.tensor([m * k + n for m, n in orders], device=x.device)
    outs = []
    for i, sigma in enumerate(sigmas):
        xi = x if x.dim() == 4 else x[:, :, i]
        g = gaussian_derivatives_1d(sigma, order, truncate).to(x)  # (k, 2r + 1)
        r = g.shape[1] // 2
        # rows (y) then columns (x), depthwise: channel c → c·k + m → (c·k + m)·k + n
        rows = F.conv2d(xi, g.repeat(c, 1)[:, None, :, None], padding=(r, 0), groups=c)
        both = F.conv2d(rows, g.repeat(c * k, 1)[:, None, None, :], padding=(0, r), groups=c * k)
        basis = both.unflatten(1, (c, k * k))[:, :, keep].flatten(1, 2)  # (B, C·J, H, W)
        outs.append(F.conv2d(basis, weight.flatten(1)[:, :, None, None], bias))
    return torch.stack(outs, dim=2)


class ScaleConv2d(nn.Module):
    """Convolution with one learned combination of Gaussian derivatives at every scale.

    Args:
        in_channels: channels ``C`` of the input.
        out_channels: channels of the output.
        num_scales: scales ``S``.
        sigma: the smallest Gaussian width ``σ_0`` in pixels (about 0.7 or more, so the
            filters are not aliased).
        base: ratio of neighbouring widths; zooms by ``base^k`` shift the scale axis by ``k``.
        order: highest derivative order, 0–2 (``J = 1, 3, 6`` filters per input channel).
        bias: a learned bias per output channel, shared by the scales.
        truncate: filter radius in widths.

    Shape:
        ``(B, C, H, W)`` or ``(B, C, S, H, W)`` → ``(B, out_channels, S, H, W)``.

    Examples:
        >>> layer = ScaleConv2d(1, 4, num_scales=3)
        >>> layer(torch.randn(2, 1, 16, 16)).shape
        torch.Size([2, 4, 3, 16, 16])
        >>> layer = ScaleConv2d(4, 8, num_scales=3)
        >>> layer(torch.randn(2, 4, 3, 16, 16)).shape
        torch.Size([2, 8, 3, 16, 16])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_scales: int = 4,
        sigma: float = 0.8,
        base: float = 2**0.5,
        order: int = 2,
        bias: bool = True,
        truncate: float = 3.0,
    ) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", minimum=1)
        self.out_channels = check_int(out_channels, "out_channels", minimum=1)
        check_int(order, "order", minimum=0)
        if order > 2:
            raise ValueError(f"order must be 0, 1 or 2, got {order}")
        self.order = order
        self.sigmas = scale_sigmas(num_scales, sigma, base)
        self.base = float(base)
        self.truncate = check_positive(truncate, "truncate")
        j = len(_orders(order))
        # He initialisation: the J derivatives of each input channel have comparable energy.
        self.weight = nn.Parameter(
            torch.randn(out_channels, in_channels, j) * (2 / (j * in_channels)) ** 0.5
        )
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    @property
    def num_scales(self) -> int:
        return len(self.sigmas)

    def extra_repr(self) -> str:
        sig = ", ".join(f"{s:.3g}" for s in self.sigmas)
        return (
            f"{self.in_channels}, {self.out_channels}, sigmas=({sig}), base={self.base:.4g}, "
            f"order={self.order}, bias={self.bias is not None}"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", min_dim=4)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have {self.in_channels} channels (dim 1), got shape {tuple(x.shape)}"
            )
        return scale_conv2d(x, self.weight, self.sigmas, self.order, self.bias, self.truncate)
