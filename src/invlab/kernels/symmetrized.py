"""Group-averaged kernels: the kernel of an exactly invariant predictor.

For a kernel ``k`` with ``k(g x, g x′) = k(x, x′)`` for every ``g`` of a finite group ``G``
(every kernel here, for groups that permute pixels: shifts, rotations by 90°, flips),

    k_G(x, x′) = (1/|G|) Σ_{g∈G} k(g x, x′)

is the covariance of the group-averaged Gaussian process ``f_G(x) = (1/|G|) Σ_g f(g x)``. It is
invariant in each argument (``k_G(h x, x′) = k_G(x, h x′) = k_G(x, x′)`` for ``h ∈ G``: ``G h =
G``) and symmetric, so kernel regression with it predicts exactly invariantly. For a CNN with
global average pooling and ``G`` the circular shifts it changes nothing: that kernel is already
the shift-symmetrised flatten kernel (Li 2019).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from invlab._validation import check_int
from invlab.kernels.base import KINDS, Kernel
from invlab.transforms import Flip, Rotate90, Shift, Transform

GROUPS = ("shift", "shift2d", "C4", "D4")


def group_elements(group, x: torch.Tensor, steps: int | None = None) -> list[Callable]:
    """The elements ``x ↦ g x`` of ``group`` for inputs shaped like ``x``.

    Args:
        group: ``'shift'`` (every circular shift of the last axis), ``'shift2d'`` (of the
            last two), ``'C4'`` (rotations by multiples of 90° of the last two axes), ``'D4'``
            (C4 and the flips), a :class:`~invlab.transforms.Transform` (the elements of
            ``transform.grid(steps)``) or a sequence of callables.
        x: an input batch, for the shape (the shifts of a length-``N`` axis are ``N``).
        steps: grid size when ``group`` is a Transform.
    """
    if isinstance(group, str):
        if group not in GROUPS:
            raise ValueError(f"group must be one of {', '.join(map(repr, GROUPS))}; got {group!r}")
        if group == "shift":
            t = Shift(shift_range=(0, x.shape[-1] - 1), dims=1)
            return [_bound(t, (s,)) for s in range(x.shape[-1])]
        if x.dim() < 3:
            raise ValueError(f"group {group!r} acts on images (n, C, H, W); x is {tuple(x.shape)}")
        h, w = x.shape[-2:]
        if group == "shift2d":
            t = Shift(shift_range=(0, max(h, w) - 1), dims=2)
            return [_bound(t, (a, b)) for a in range(h) for b in range(w)]
        if h != w:
            raise ValueError(f"group {group!r} needs square images, got {h}×{w}")
        rotations = [_bound(Rotate90(), (r,)) for r in range(4)]
        if group == "C4":
            return rotations
        flip = _bound(Flip(), (1,))
        return rotations + [lambda z, r=r: r(flip(z)) for r in rotations]
    if isinstance(group, Transform):
        try:
            grid = group.grid() if steps is None else group.grid(check_int(steps, "steps"))
        except TypeError:
            raise ValueError(f"pass steps= (the grid size) to symmetrize over {group!r}") from None
        return [_bound(group, tuple(float(v) for v in row)) for row in grid]
    if isinstance(group, Sequence) and group and all(callable(g) for g in group):
        return list(group)
    raise TypeError(
        "group must be a name ('shift', 'shift2d', 'C4', 'D4'), an invlab Transform or a "
        f"non-empty sequence of callables; got {type(group).__name__}"
    )


def _bound(t: Transform, params: tuple[float, ...]) -> Callable[[torch.Tensor], torch.Tensor]:
    theta = torch.tensor(params, dtype=torch.float32)
    return lambda z: t.apply(z, theta)


class SymmetrizedKernel(nn.Module):
    """``k_G(x1, x2) = (1/|G|) Σ_g k(g x1, x2)``; see :func:`symmetrize`.

    Args:
        kernel: the kernel to average (any :class:`~invlab.kernels.base.Kernel`).
        group: a group name, Transform or sequence of callables (see :func:`group_elements`).
        steps: grid size when ``group`` is a Transform.

    Shape:
        as ``kernel``: ``(n1, ...)``, ``(n2, ...)`` → ``(n1, n2)``; ``|G|`` times its cost.

    Examples:
        >>> from invlab.kernels import MLPKernel
        >>> k = symmetrize(MLPKernel(depth=2), "shift")
        >>> x = torch.randn(3, 1, 8)
        >>> torch.allclose(k(x), k(torch.roll(x, 2, -1), x), atol=1e-12)
        True
    """

    def __init__(self, kernel: nn.Module, group, steps: int | None = None) -> None:
        super().__init__()
        if not isinstance(kernel, Kernel | SymmetrizedKernel):
            raise TypeError(
                f"kernel must be an invlab.kernels kernel (MLPKernel, CNNKernel, ...), got "
                f"{type(kernel).__name__}"
            )
        if steps is not None:
            check_int(steps, "steps", minimum=1)
        if isinstance(group, str) and group not in GROUPS:
            raise ValueError(f"group must be one of {', '.join(map(repr, GROUPS))}; got {group!r}")
        self.kernel = kernel
        self.group = group
        self.steps = steps

    def extra_repr(self) -> str:
        if isinstance(self.group, str | Transform):
            return f"group={self.group!r}"
        return f"group=<{len(self.group)} callables>"

    def forward(
        self, x1: torch.Tensor, x2: torch.Tensor | None = None, kind: str = "nngp"
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The averaged kernel matrix ``(n1, n2)`` (``x2 = x1`` when omitted)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
        x1 = self.kernel._check_input(x1, "x1")
        if x2 is None:
            x2 = x1
        elements = group_elements(self.group, x1, self.steps)
        total = None
        for g in elements:
            k = self.kernel(g(x1), x2, kind=kind)
            k = k if isinstance(k, tuple) else (k,)
            total = list(k) if total is None else [a.add_(b) for a, b in zip(total, k, strict=True)]
        out = [t.div_(len(elements)) for t in total]
        return tuple(out) if kind == "both" else out[0]


def symmetrize(kernel: nn.Module, group, *, steps: int | None = None) -> SymmetrizedKernel:
    """The group-averaged kernel ``k_G(x, x′) = (1/|G|) Σ_{g∈G} k(g x, x′)``.

    Args:
        kernel: a kernel that ``G`` leaves unchanged when applied to both arguments (true of
            :class:`MLPKernel` and :class:`CNNKernel` for pixel permutations).
        group: ``'shift'``, ``'shift2d'``, ``'C4'``, ``'D4'``, a Transform with ``steps`` (e.g.
            ``Shift(shift_range=(0, N - 1))``, ``steps=N``) or a sequence of callables.
        steps: grid size when ``group`` is a Transform.

    Examples:
        >>> from invlab.kernels import MLPKernel
        >>> k = symmetrize(MLPKernel(depth=1), "C4")
        >>> x = torch.randn(2, 1, 5, 5)
        >>> torch.allclose(k(x), k(torch.rot90(x, 1, (-2, -1)), x), atol=1e-12)
        True
    """
    return SymmetrizedKernel(kernel, group, steps)
