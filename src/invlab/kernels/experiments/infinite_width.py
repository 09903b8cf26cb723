"""The ``infinite-width`` experiment's training sets: closed under circular shifts.

:func:`shift_augment` closes a training set under the shifts (the data-side route to
invariance, to set beside the architectural one, GAP). The kernel regression itself is
:class:`~invlab.kernels.KernelRegression`, measured with :mod:`invlab.measure`.
"""

from __future__ import annotations

import torch

from invlab.transforms import Shift


def shift_augment(
    x: torch.Tensor, y: torch.Tensor, shifts: list[int] | range
) -> tuple[torch.Tensor, torch.Tensor]:
    """``{(g_s x, y) : s ∈ shifts}``: every input circularly shifted along the last axis.

    Examples:
        >>> xa, ya = shift_augment(torch.randn(4, 1, 8), torch.arange(4), range(-1, 2))
        >>> xa.shape, ya.shape
        (torch.Size([12, 1, 8]), torch.Size([12]))
    """
    shifts = list(shifts)
    if not shifts:
        raise ValueError("shifts is empty; give at least one shift")
    t = Shift(shift_range=(min(shifts), max(shifts)), dims=1)
    xs = [t.apply(x, torch.tensor([float(s)])) for s in shifts]
    return torch.cat(xs), y.repeat(len(shifts))
