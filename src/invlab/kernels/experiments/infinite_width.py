"""The ``infinite-width`` experiment: how invariant is kernel regression with each kernel?

For a kernel ``k`` fitted on ``(X, y)``, :func:`evaluate_kernel` reports test accuracy, the
accuracy on circularly shifted test inputs, and Zhang's consistency ``P[argmax f(g₁x) =
argmax f(g₂x)]`` for two random shifts; :func:`shift_augment` closes a training set under the
shifts (the data-side route to invariance, to set beside the architectural one, GAP).
"""

from __future__ import annotations

import torch

from invlab._validation import check_int
from invlab.kernels.regression import KernelRegression
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


@torch.no_grad()
def evaluate_kernel(
    kernel: torch.nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    *,
    kind: str = "nngp",
    ridge: float = 1e-4,
    max_shift: int = 8,
    seed: int = 0,
) -> dict[str, float]:
    """Fit ``KernelRegression(kernel, kind, ridge)`` and measure it on the test set.

    Returns:
        ``accuracy`` (unshifted test inputs), ``shifted_accuracy`` (each test input shifted by
        a random circular shift in ``[-max_shift, max_shift]``) and ``consistency`` (two random
        shifts of the same input agree on the class).
    """
    check_int(max_shift, "max_shift", minimum=0)
    model = KernelRegression(kernel, kind=kind, ridge=ridge).fit(x_train, y_train)
    shift = Shift(max_shift, dims=1)
    gen = torch.Generator().manual_seed(seed)
    p1, p2 = shift.sample(len(x_test), generator=gen), shift.sample(len(x_test), generator=gen)
    plain = model(x_test).argmax(1)
    a = model(shift.apply(x_test, p1)).argmax(1)
    b = model(shift.apply(x_test, p2)).argmax(1)
    return {
        "accuracy": float((plain == y_test).double().mean()),
        "shifted_accuracy": float((a == y_test).double().mean()),
        "consistency": float((a == b).double().mean()),
    }
