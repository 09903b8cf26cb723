"""Composition of transformations."""

from __future__ import annotations

import torch

from invlab.transforms.base import Transform


class Compose(Transform):
    """Apply ``transforms[0]``, then ``transforms[1]``, ...

    Parameters are the concatenation of the parts' parameters, shape
    ``(B, sum(t.param_dim))``. :meth:`grid` is the Cartesian product of the parts' grids.
    The inverse applies the inverses in reverse order: use :meth:`inverse`.

    Examples:
        >>> from invlab.transforms import Shift
        >>> t = Compose([Shift(3), Shift(2)])
        >>> t.param_dim
        2
    """

    def __init__(self, transforms: list[Transform]) -> None:
        transforms = list(transforms)
        if not transforms:
            raise ValueError("transforms must contain at least one Transform")
        for i, t in enumerate(transforms):
            if not isinstance(t, Transform):
                raise TypeError(f"transforms[{i}] must be a Transform, got {type(t).__name__}")
        dims = {t.spatial_dims for t in transforms}
        self.spatial_dims = max(dims)
        self.transforms = transforms
        self.param_dim = sum(t.param_dim for t in transforms)

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"

    def _split(self, params: torch.Tensor) -> list[torch.Tensor]:
        return list(params.split([t.param_dim for t in self.transforms], dim=-1))

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.cat([t.sample(n, generator=generator) for t in self.transforms], dim=1)

    def grid(self, steps: int) -> torch.Tensor:
        self._check_steps(steps)
        rows = self.transforms[0].grid(steps)
        for t in self.transforms[1:]:
            g = t.grid(steps)
            rows = torch.cat(
                [rows.repeat_interleave(g.shape[0], 0), g.repeat(rows.shape[0], 1)], dim=1
            )
        return rows

    def identity_params(self) -> torch.Tensor:
        return torch.cat([t.identity_params() for t in self.transforms])

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        for t, p in zip(self.transforms, self._split(params)):
            x = t.apply(x, p)
        return x

    def inverse(self) -> Compose:
        """The composition in reverse order; pair it with :meth:`inverse_params`."""
        return Compose(self.transforms[::-1])

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        """Parameters for :meth:`inverse` that undo ``params``."""
        parts = [t.inverse_params(p) for t, p in zip(self.transforms, self._split(params))]
        return torch.cat(parts[::-1], dim=-1)
