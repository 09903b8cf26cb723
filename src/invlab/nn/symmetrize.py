"""Group averaging: make any model invariant by pooling its outputs over transformed inputs.

For a finite group ``G`` acting on inputs,

    f_G(x) = (1/|G|) Σ_{g∈G} f(g·x)     (or max_g f(g·x)),

is exactly invariant: ``{g·(h·x) : g ∈ G} = {g·x : g ∈ G}`` for every ``h ∈ G``, so the
pooled set does not change. Over a finite set that is not a group, or over random samples of
a continuous transformation, the invariance is approximate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from invlab._validation import check_choice, check_int, check_tensor
from invlab.nn.groups import FiniteGroup
from invlab.transforms import Transform


class Symmetrize(nn.Module):
    """Wrap ``model`` so that its output is pooled over a group of input transformations.

    ``group`` is one of

    * a group name (``'C4'``, ``'D4'``, ``'C2'``, ...; see :mod:`invlab.nn.groups`): the
      rotations/reflections of the last two axes; exact for ``n`` dividing 4;
    * a sequence of callables ``x → g(x)``: exactly invariant when they form a group
      (for example every circular shift);
    * a :class:`~invlab.transforms.Transform` with ``steps`` (its ``grid(steps)``, e.g. all
      circular shifts ``Shift(shift_range=(0, N−1))`` with ``steps=N``) or with ``samples``
      (``samples`` random draws per forward pass: approximate invariance to a continuous
      transformation, a Monte-Carlo estimate of the group average).

    All transformed copies go through ``model`` as one batch of ``|G|·B`` inputs.

    Args:
        model: any module mapping ``(B, ...)`` to ``(B, ...)``.
        group: a group name, a sequence of callables or a Transform.
        reduce: ``'mean'`` or ``'max'`` over the group.
        steps: grid size when ``group`` is a Transform (finite group).
        samples: random draws per call when ``group`` is a Transform (continuous group).

    Shape:
        input as ``model`` takes it; output as ``model`` returns it.

    Examples:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(25, 3))
        >>> sym = Symmetrize(net, "C4")
        >>> x = torch.randn(2, 1, 5, 5)
        >>> torch.allclose(sym(x), sym(torch.rot90(x, 1, (-2, -1))), atol=1e-6)
        True
    """

    def __init__(
        self,
        model: nn.Module,
        group: str | FiniteGroup | Sequence[Callable[[torch.Tensor], torch.Tensor]] | Transform,
        reduce: str = "mean",
        *,
        steps: int | None = None,
        samples: int | None = None,
    ) -> None:
        super().__init__()
        if not callable(model):
            raise TypeError(f"model must be an nn.Module or callable, got {type(model).__name__}")
        self.model = model
        self.reduce = check_choice(reduce, "reduce", ("mean", "max"))
        self.steps, self.samples = steps, samples
        self.group: FiniteGroup | None = None
        self.transform: Transform | None = None
        self.maps: list[Callable[[torch.Tensor], torch.Tensor]] | None = None
        if isinstance(group, str | FiniteGroup):
            self.group = FiniteGroup(group)
        elif isinstance(group, Transform):
            if (steps is None) == (samples is None):
                raise ValueError(
                    "give exactly one of steps (a finite grid of the Transform) or samples "
                    "(random draws of a continuous Transform) when group is a Transform"
                )
            if steps is not None:
                check_int(steps, "steps", minimum=1)
            else:
                check_int(samples, "samples", minimum=1)
            self.transform = group
        elif isinstance(group, Sequence) and len(group) > 0 and all(callable(g) for g in group):
            self.maps = list(group)
        else:
            raise TypeError(
                "group must be a group name such as 'C4' or 'D4', a non-empty sequence of "
                f"callables, or a Transform; got {type(group).__name__}"
            )
        if self.transform is None and (steps is not None or samples is not None):
            raise ValueError("steps and samples apply only when group is a Transform")

    def extra_repr(self) -> str:
        if self.group is not None:
            what = f"group={self.group.name}"
        elif self.transform is not None:
            n = f"steps={self.steps}" if self.steps is not None else f"samples={self.samples}"
            what = f"transform={self.transform!r}, {n}"
        else:
            what = f"maps={len(self.maps)}"
        return f"{what}, reduce={self.reduce!r}"

    def orbit(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The transformed copies ``[g·x for g in G]`` that the output is pooled over."""
        if self.group is not None:
            check_tensor(x, "x", min_dim=3)
            return [self.group.act(x, a) for a in range(self.group.order)]
        if self.maps is not None:
            return [g(x) for g in self.maps]
        t = self.transform
        if self.steps is not None:
            params = t.grid(self.steps)
        else:
            params = t.sample(self.samples)
        return [t.apply(x, row.to(x.device)) for row in params]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", min_dim=2)
        copies = self.orbit(x)
        shapes = {tuple(c.shape) for c in copies}
        if len(shapes) > 1:
            # e.g. a quarter turn of an H x W image with H != W gives a W x H one
            what = self.group.name if self.group is not None else "the group"
            raise ValueError(
                f"group {what} maps x of shape {tuple(x.shape)} to copies of different shapes "
                f"{sorted(shapes)}: the group must map the input to its own shape (C4 and D4 "
                f"need square images, H == W); crop or pad x, or choose another group"
            )
        out = self.model(torch.cat(copies, dim=0))
        out = out.unflatten(0, (len(copies), x.shape[0]))
        return out.mean(dim=0) if self.reduce == "mean" else out.amax(dim=0)
