"""Integer translations of signals and images."""

from __future__ import annotations

import math

import torch

from invlab._validation import check_choice, check_int
from invlab.transforms.base import Transform, linspace_grid


class Shift(Transform):
    """Translate by an integer number of samples along the last ``dims`` axes.

    ``(g_s x)[n] = x[n − s]``: a positive shift moves the content towards higher indices.
    With ``mode='circular'`` the signal wraps around (the group ℤ_N, under which |F x| is
    exactly invariant); with ``mode='zeros'`` samples shifted in are zero.

    Args:
        max_shift: shifts are drawn from ``[-max_shift, max_shift]`` (an int), or give
            ``shift_range=(low, high)`` instead.
        dims: 1 for signals ``(B, ..., N)``, 2 for images ``(B, ..., H, W)``.
        mode: ``'circular'`` or ``'zeros'``.
        shift_range: explicit ``(low, high)`` integer range, overrides ``max_shift``.

    Parameters are ``(B, dims)``: the shift along each axis (rounded to integers; a
    shift of magnitude ≥ the axis length is rejected).

    Examples:
        >>> x = torch.arange(5.0).reshape(1, 5)
        >>> Shift(2).apply(x, torch.tensor([1.0]))
        tensor([[4., 0., 1., 2., 3.]])
    """

    def __init__(
        self,
        max_shift: int = 8,
        dims: int = 1,
        mode: str = "circular",
        shift_range: tuple[int, int] | None = None,
    ) -> None:
        check_int(dims, "dims", minimum=1)
        if dims > 2:
            raise ValueError(f"dims must be 1 (signals) or 2 (images), got {dims}")
        self.spatial_dims = dims
        self.param_dim = dims
        self.mode = check_choice(mode, "mode", ("circular", "zeros"))
        if shift_range is None:
            check_int(max_shift, "max_shift", minimum=0)
            shift_range = (-max_shift, max_shift)
        low, high = shift_range
        check_int(low, "shift_range[0]")
        check_int(high, "shift_range[1]")
        if low > high:
            raise ValueError(f"shift_range must satisfy low <= high, got {shift_range}")
        self.low, self.high = low, high

    @property
    def axis_label(self) -> str:
        """``'shift (samples)'`` for signals, ``'shift (pixels)'`` for images."""
        return "shift (samples)" if self.spatial_dims == 1 else "shift (pixels)"

    def __repr__(self) -> str:
        return (
            f"Shift(shift_range=({self.low}, {self.high}), dims={self.spatial_dims}, "
            f"mode={self.mode!r})"
        )

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int(n, "n", minimum=0)
        s = torch.randint(self.low, self.high + 1, (n, self.param_dim), generator=generator)
        return s.float()

    def grid(self, steps: int) -> torch.Tensor:
        """Evenly spaced integer shifts; in 2D the Cartesian product (``steps²`` rows)."""
        self._check_steps(steps)
        line = linspace_grid(self.low, self.high, steps).round().squeeze(1).unique()
        if self.spatial_dims == 1:
            return line.unsqueeze(1)
        return torch.cartesian_prod(line, line)

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        return -params

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        shifts = params.round().long().to(x.device)
        for axis in range(self.spatial_dims):
            dim = x.dim() - self.spatial_dims + axis
            x = _shift_axis(x, shifts[:, axis], dim, self.mode)
        return x


def _shift_axis(x: torch.Tensor, shifts: torch.Tensor, dim: int, mode: str) -> torch.Tensor:
    """Shift each sample of the batch along ``dim`` by its own integer amount."""
    n = x.shape[dim]
    biggest = int(shifts.abs().max()) if shifts.numel() else 0
    if biggest >= n:
        raise ValueError(
            f"shift of {biggest} samples is not smaller than the signal's length {n} along "
            f"dimension {dim}; use shifts with |s| < {n}"
        )
    view = [x.shape[0]] + [1] * (x.dim() - 1)
    view[dim] = n
    index = torch.arange(n, device=x.device).view([1] * dim + [n] + [1] * (x.dim() - dim - 1))
    source = index - shifts.view([-1] + [1] * (x.dim() - 1))  # (B, 1.., n, 1..)
    gathered = torch.gather(x, dim, torch.remainder(source, n).expand(x.shape))
    if mode == "circular":
        return gathered
    inside = ((source >= 0) & (source < n)).to(x.dtype)
    return gathered * inside


def max_shift_for(length: int, fraction: float = 0.25) -> int:
    """A conventional shift range: a quarter of the signal's length."""
    return max(1, math.floor(length * fraction))
