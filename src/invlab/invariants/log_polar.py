"""Differentiable log-polar resampling of images."""

from __future__ import annotations

import math

import torch
from torch import nn

from invlab._resample import log_positions, sample_images
from invlab._validation import check_int, check_tensor


def log_polar_grid(
    shape: tuple[int, int],
    n_radii: int,
    n_angles: int,
    r_min: float = 1.0,
    r_max: float | None = None,
    center: tuple[float, float] | None = None,
    half_turn: bool = False,
    angle_offset: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates ``(rows, cols)``, each ``(n_radii, n_angles)``, of a log-polar grid.

    ``row = c_r − r_i sin θ_j``, ``col = c_c + r_i cos θ_j`` with ``r_i`` log-spaced in
    ``[r_min, r_max]`` and ``θ_j = θ_0 + T j / n_angles`` (``T = 2π``, or ``π`` with
    ``half_turn``; ``θ_0 = angle_offset`` radians); ``θ`` grows counter-clockwise as
    displayed. Defaults: centre ``((H−1)/2, (W−1)/2)``, ``r_max = min(H, W)/2 − 1``.
    """
    h, w = shape
    check_int(n_radii, "n_radii", minimum=2)
    check_int(n_angles, "n_angles", minimum=1)
    if r_max is None:
        r_max = min(h, w) / 2 - 1
    radii = log_positions(n_radii, r_min, r_max)
    turn = math.pi if half_turn else 2 * math.pi
    theta = angle_offset + turn * torch.arange(n_angles, dtype=torch.float64) / n_angles
    cr, cc = ((h - 1) / 2, (w - 1) / 2) if center is None else _check_center(center, (h, w))
    rows = cr - radii[:, None] * torch.sin(theta)[None, :]
    cols = cc + radii[:, None] * torch.cos(theta)[None, :]
    return rows, cols


def log_polar(
    x: torch.Tensor,
    n_radii: int = 32,
    n_angles: int = 32,
    r_min: float = 1.0,
    r_max: float | None = None,
    center: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Resample images on a log-polar grid (bilinear, differentiable).

    ``L x(i, j) = x(c + r_i (−sin θ_j, cos θ_j))``: a rotation of ``x`` about ``c`` by ``α``
    becomes a cyclic shift of ``j`` by ``α n_angles / 2π``, a zoom by ``a`` a shift of ``i``
    by ``log a / log(r_max/r_min) · (n_radii − 1)``.

    Args:
        x: ``(..., H, W)``.
        n_radii, n_angles: output size.
        r_min, r_max: radius range in pixels (default ``r_max = min(H, W)/2 − 1``).
        center: ``(row, col)`` of the origin (default the image centre).

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles)``.

    Examples:
        >>> log_polar(torch.randn(2, 1, 32, 32), 16, 24).shape
        torch.Size([2, 1, 16, 24])
    """
    x = check_tensor(x, "x", min_dim=2)
    rows, cols = log_polar_grid(x.shape[-2:], n_radii, n_angles, r_min, r_max, center)
    return sample_images(x, rows, cols)


class LogPolar(nn.Module):
    """Resample images ``(..., H, W)`` on a log-polar grid about a centre (bilinear).

    ``L x(i, j) = x(c + r_i (−sin θ_j, cos θ_j))``, ``r_i = r_min (r_max/r_min)^{i/(n_r−1)}``,
    ``θ_j = 2π j / n_θ``. A rotation about ``c`` by ``α`` becomes a cyclic shift by
    ``α n_θ / 2π`` along the angle axis, a zoom by ``a`` a shift by
    ``log a (n_r − 1) / log(r_max/r_min)`` along the radius axis. Not invariant by itself:
    it turns rotation and scale into translations for a shift-invariant stage to remove.

    Args:
        shape: ``(H, W)`` of the input images.
        n_radii, n_angles: output size.
        r_min, r_max: radii in pixels (default ``r_max = min(H, W)/2 − 1``).
        center: ``(row, col)`` (default the image centre ``((H−1)/2, (W−1)/2)``).

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles)``.

    Examples:
        >>> lp = LogPolar((32, 32), n_radii=16, n_angles=24)
        >>> lp(torch.randn(2, 3, 32, 32)).shape
        torch.Size([2, 3, 16, 24])
    """

    def __init__(
        self,
        shape: tuple[int, int],
        n_radii: int = 32,
        n_angles: int = 32,
        r_min: float = 1.0,
        r_max: float | None = None,
        center: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        self.shape = _image_shape(shape)
        rows, cols = log_polar_grid(self.shape, n_radii, n_angles, r_min, r_max, center)
        self.n_radii, self.n_angles = n_radii, n_angles
        self.r_min = r_min
        self.r_max = float(min(self.shape) / 2 - 1 if r_max is None else r_max)
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", min_dim=2)
        if tuple(x.shape[-2:]) != self.shape:
            raise ValueError(f"x must end with shape {self.shape}, got {tuple(x.shape)}")
        return sample_images(x, self.rows, self.cols)

    def extra_repr(self) -> str:
        return (
            f"shape={self.shape}, n_radii={self.n_radii}, n_angles={self.n_angles}, "
            f"r_min={self.r_min}, r_max={self.r_max}"
        )


def _check_center(center, shape: tuple[int, int]) -> tuple[float, float]:
    """A ``(row, col)`` centre inside the image: outside it, every ray samples zeros."""
    try:
        cr, cc = (float(c) for c in center)
    except (TypeError, ValueError):
        raise TypeError(f"center must be a pair (row, col) of numbers, got {center!r}") from None
    h, w = shape
    if not (0 <= cr <= h - 1 and 0 <= cc <= w - 1):
        raise ValueError(
            f"center={tuple(center)!r} lies outside the {h}x{w} image: row must be in "
            f"[0, {h - 1}] and col in [0, {w - 1}] (default: the image centre)"
        )
    return cr, cc


def _image_shape(shape) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"shape must be a pair (H, W) of ints, got {shape!r}") from None
    if h < 4 or w < 4:
        raise ValueError(f"shape must be at least (4, 4), got {shape!r}")
    return h, w
