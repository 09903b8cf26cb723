"""Metrics on a classifier's predictions: consistency and accuracy along a transformation."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from invlab._validation import check_int, check_tensor
from invlab.measure.activations import batches, evaluating
from invlab.measure.checks import check_inputs
from invlab.transforms import Transform


@torch.no_grad()
def consistency(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    *,
    seed: int = 0,
    batch_size: int = 512,
) -> float:
    """Zhang (2019): ``P[argmax f(g₁ x) = argmax f(g₂ x)]`` for two random ``g₁, g₂``.

    Examples:
        >>> from invlab.transforms import Shift
        >>> consistency(nn.Flatten(), torch.randn(100, 1, 16), Shift(4)) < 1
        True
    """
    x = check_inputs(model, x, transform)
    check_int(batch_size, "batch_size", minimum=1)
    gen = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    p1, p2 = transform.sample(n, generator=gen), transform.sample(n, generator=gen)
    agree = 0
    with evaluating(model):
        for sl in batches(n, batch_size):
            xb = x[sl]
            a = model(transform.apply(xb, p1[sl].to(x.device))).argmax(1)
            b = model(transform.apply(xb, p2[sl].to(x.device))).argmax(1)
            agree += int((a == b).sum())
    return agree / n


@torch.no_grad()
def accuracy_along(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    transform: Transform,
    *,
    steps: int = 9,
    batch_size: int = 512,
) -> pd.DataFrame:
    """Accuracy of ``model`` on ``g_θ x`` for each ``θ`` of ``transform.grid(steps)``.

    Returns:
        DataFrame with columns ``param`` (the parameter; a tuple string when it has several
        components) and ``accuracy``.
    """
    x = check_inputs(model, x, transform)
    y = check_tensor(y, "y", min_dim=1, floating=False)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    check_int(steps, "steps", minimum=1)
    grid = transform.grid(steps)
    rows = []
    with evaluating(model):
        for theta in grid:
            correct = 0
            for sl in batches(x.shape[0], batch_size):
                pred = model(transform.apply(x[sl], theta.to(x.device))).argmax(1)
                correct += int((pred.cpu() == y[sl].cpu()).sum())
            rows.append({"param": _label(theta), "accuracy": correct / x.shape[0]})
    return pd.DataFrame(rows, columns=["param", "accuracy"])


def _label(theta: torch.Tensor) -> float | str:
    values = [round(float(v), 6) for v in theta]
    return values[0] if len(values) == 1 else str(tuple(values))
