"""Zoom images about their centre."""

from __future__ import annotations

import math

import torch

from invlab._resample import affine_warp
from invlab._validation import check_choice, check_int
from invlab.transforms.base import Transform


class Scale(Transform):
    """Zoom images about their centre by a factor ``s`` (bilinear).

    ``(g_s x)(p) = x(c + (p − c) / s)``: ``s > 1`` enlarges the content (and crops it at the
    border), ``s < 1`` shrinks it and fills the border with zeros (``padding='zeros'``) or the
    nearest border pixel (``'border'``). Factors are drawn log-uniformly from
    ``scale_range``, so ``s`` and ``1/s`` are equally likely in a symmetric range.

    Args:
        scale_range: ``(low, high)`` with ``0 < low <= high``.
        padding: ``'zeros'`` or ``'border'``.

    Parameters: ``(B, 1)``, the factor ``s``. The identity is ``s = 1``; the inverse ``1/s``.

    Examples:
        >>> x = torch.randn(2, 1, 16, 16)
        >>> torch.equal(Scale((0.8, 1.25)).apply(x, torch.tensor([1.0])), x)
        True
    """

    spatial_dims = 2
    param_dim = 1
    axis_label = "scale factor"

    def __init__(
        self, scale_range: tuple[float, float] = (0.8, 1.25), padding: str = "zeros"
    ) -> None:
        try:
            low, high = (float(v) for v in scale_range)
        except (TypeError, ValueError):
            raise TypeError(
                f"scale_range must be a (low, high) pair of numbers, got {scale_range!r}"
            ) from None
        if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high < low:
            raise ValueError(
                f"scale_range must satisfy 0 < low <= high (factors, 1 = unchanged), "
                f"got {scale_range!r}"
            )
        self.low, self.high = low, high
        self.padding = check_choice(padding, "padding", ("zeros", "border"))

    def __repr__(self) -> str:
        return f"Scale(scale_range=({self.low}, {self.high}), padding={self.padding!r})"

    def identity_params(self) -> torch.Tensor:
        return torch.ones(1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int(n, "n", minimum=0)
        log_low, log_high = math.log(self.low), math.log(self.high)
        u = torch.rand(n, 1, generator=generator)
        return torch.exp(log_low + (log_high - log_low) * u)

    def grid(self, steps: int) -> torch.Tensor:
        """Geometrically spaced factors from ``low`` to ``high``."""
        self._check_steps(steps)
        if steps == 1:
            return torch.tensor([[math.sqrt(self.low * self.high)]])
        return torch.logspace(math.log10(self.low), math.log10(self.high), steps).unsqueeze(1)

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        return 1.0 / params

    def _check_params(self, params: torch.Tensor, batch: int) -> torch.Tensor:
        params = super()._check_params(params, batch)
        if bool((params <= 0).any()):
            raise ValueError(f"params of Scale are factors and must be > 0, got {params.min()}")
        return params

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        inv = 1.0 / params[:, 0].to(x.dtype)
        zero = torch.zeros_like(inv)
        matrix = torch.stack([torch.stack([inv, zero], -1), torch.stack([zero, inv], -1)], -2)
        return affine_warp(x, matrix, self.padding)
