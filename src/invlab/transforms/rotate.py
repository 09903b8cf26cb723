"""Rotations and reflections of images: ``Rotate`` (any angle), ``Rotate90`` (C4), ``Flip``."""

from __future__ import annotations

import torch

from invlab._resample import batch_view, rot90_per_sample, rotate
from invlab._validation import check_choice, check_int, check_range, check_square
from invlab.transforms.base import Transform, linspace_grid, uniform


class Rotate(Transform):
    """Rotate images by any angle about their centre (bilinear).

    ``(g_θ x)(p) = x(c + R_{−θ} (p − c))`` with ``c = ((H−1)/2, (W−1)/2)``; a positive
    ``θ`` (degrees) turns the content counter-clockwise as displayed (row 0 at the top), so
    ``Rotate`` by 90° equals ``torch.rot90(x, 1, (-2, -1))``. Multiples of 90° (180° only for
    non-square images) take an exact index path instead of interpolating. Pixels that come
    from outside the image are ``0`` (``padding='zeros'``) or the nearest border pixel
    (``'border'``). Rotation is invertible only inside the disc inscribed in the image.

    Args:
        angle_range: ``(low, high)`` in degrees, from which :meth:`sample` draws uniformly.
        padding: ``'zeros'`` or ``'border'``.

    Parameters: ``(B, 1)``, the angle in degrees.

    Examples:
        >>> x = torch.randn(2, 1, 9, 9)
        >>> torch.equal(Rotate().apply(x, torch.tensor([90.0])), torch.rot90(x, 1, (-2, -1)))
        True
    """

    spatial_dims = 2
    param_dim = 1
    axis_label = "rotation angle (°)"

    def __init__(
        self, angle_range: tuple[float, float] = (-180.0, 180.0), padding: str = "zeros"
    ) -> None:
        self.low, self.high = check_range(angle_range, "angle_range")
        self.padding = check_choice(padding, "padding", ("zeros", "border"))

    def __repr__(self) -> str:
        return f"Rotate(angle_range=({self.low}, {self.high}), padding={self.padding!r})"

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int(n, "n", minimum=0)
        return uniform(n, self.low, self.high, generator)

    def grid(self, steps: int) -> torch.Tensor:
        self._check_steps(steps)
        return linspace_grid(self.low, self.high, steps)

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        return -params

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        return rotate(x, params[:, 0], self.padding)


class Rotate90(Transform):
    """Rotate square images by ``k`` quarter turns: the exact group C4.

    ``g_k x = rot90(x, k)`` (counter-clockwise as displayed). No interpolation: every pixel
    is moved, none is changed.

    Parameters: ``(B, 1)``, ``k`` (rounded, taken modulo 4). :meth:`grid` is ``0, 1, 2, 3``.

    Examples:
        >>> x = torch.randn(3, 1, 8, 8)
        >>> t = Rotate90()
        >>> torch.equal(t.apply(t.apply(x, torch.tensor([1.0])), torch.tensor([3.0])), x)
        True
    """

    spatial_dims = 2
    param_dim = 1
    axis_label = "quarter turns"

    def __repr__(self) -> str:
        return "Rotate90()"

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int(n, "n", minimum=0)
        return torch.randint(0, 4, (n, 1), generator=generator).float()

    def grid(self, steps: int = 4) -> torch.Tensor:
        """The four elements of C4 (``steps`` is accepted for the common interface)."""
        self._check_steps(steps)
        return torch.arange(4.0).unsqueeze(1)

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        return torch.remainder(-params.round(), 4)

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        check_square(x, "x", "Rotate90")
        return rot90_per_sample(x, torch.remainder(params[:, 0].round(), 4).long())


class Flip(Transform):
    """Mirror images left–right (``axis='horizontal'``) or top–bottom (``'vertical'``).

    ``(g_1 x)[i, j] = x[i, W−1−j]`` (horizontal); ``g_0`` is the identity. Together with
    :class:`Rotate90` it generates the dihedral group D4.

    Args:
        axis: ``'horizontal'`` or ``'vertical'``.
        p: probability that :meth:`sample` draws a flip.

    Parameters: ``(B, 1)``, 1 to flip, 0 to keep (rounded). Flip is its own inverse.

    Examples:
        >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
        >>> Flip().apply(x, torch.tensor([1.0]))
        tensor([[[[1., 0.],
                  [3., 2.]]]])
    """

    spatial_dims = 2
    param_dim = 1
    axis_label = "flipped (0: no, 1: yes)"

    def __init__(self, axis: str = "horizontal", p: float = 0.5) -> None:
        self.axis = check_choice(axis, "axis", ("horizontal", "vertical"))
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)

    def __repr__(self) -> str:
        return f"Flip(axis={self.axis!r}, p={self.p})"

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int(n, "n", minimum=0)
        return (torch.rand(n, 1, generator=generator) < self.p).float()

    def grid(self, steps: int = 2) -> torch.Tensor:
        """Both group elements ``0, 1``."""
        self._check_steps(steps)
        return torch.tensor([[0.0], [1.0]])

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        return params.clone()

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        flip = params[:, 0].round() != 0
        dim = -1 if self.axis == "horizontal" else -2
        return torch.where(batch_view(flip, x), x.flip(dim), x)
