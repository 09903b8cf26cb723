"""All the metrics of one model in one tidy table."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.measure.checks import check_inputs
from invlab.measure.profiling import compute_profile
from invlab.transforms import Transform

METRICS = ("goodfellow", "sensitivity", "consistency", "accuracy")
COLUMNS = ["model", "layer", "metric", "param", "value"]


def measure(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    y: torch.Tensor | None = None,
    *,
    layers: str | Sequence[str] = "all",
    metrics: Sequence[str] = METRICS,
    steps: int = 9,
    seed: int = 0,
    model_name: str = "model",
    batch_size: int = 256,
) -> pd.DataFrame:
    """Measure how invariant ``model`` is to ``transform``, layer by layer.

    Args:
        model: any ``nn.Module`` (zoo models name their stages; others use leaf modules).
        x: inputs ``(N, ...)``.
        transform: the transformation (e.g. ``Shift(8)``).
        y: labels ``(N,)``; needed for ``'accuracy'``.
        layers: ``'all'`` or layer names; ``'input'`` is the raw input.
        metrics: any of ``'goodfellow'``, ``'sensitivity'``, ``'consistency'``, ``'accuracy'``.
        steps: points on each trajectory / accuracy curve.
        seed: accepted for compatibility and unused: every metric is now an exact average over
            the grid (and, for sensitivity's denominator, over all pairs of inputs).
        model_name: value of the ``model`` column.
        batch_size: about this many inputs per forward (``batch_size // T`` trajectories).

    All metrics come from one streaming pass of :func:`invlab.measure.compute_profile`
    (``g`` uniform over ``transform.grid(steps)``); ``goodfellow`` uses ``polarity='positive'``.

    Returns:
        A tidy DataFrame with columns ``model, layer, metric, param, value``. Per-layer metrics
        have ``param`` NaN; ``consistency`` and ``accuracy`` are read at ``layer='output'``,
        ``accuracy`` with one row per parameter of the grid plus one row ``param='mean'``.
    """
    metrics = list(metrics)
    for m in metrics:
        check_choice(m, "metrics", METRICS)
    if "accuracy" in metrics and y is None:
        raise ValueError("metric 'accuracy' needs labels: pass y")
    if not metrics:
        return pd.DataFrame(columns=COLUMNS)
    check_int(batch_size, "batch_size", minimum=1)
    t_len = transform.grid(check_int(steps, "steps", minimum=1)).shape[0]
    result = compute_profile(
        model,
        check_inputs(model, x, transform),
        transform,
        layers,
        metrics=metrics,
        y=y,
        steps=steps,
        batch_size=max(1, batch_size // t_len),
        polarity="positive",
    )
    df = result.to_frame(model_name)
    # One row per layer for the per-layer metrics: their mean over the grid, param None.
    per_layer = df.metric.isin(["sensitivity", "equivariance"])
    df = df[~per_layer | (df.param == "mean")].copy()
    df.loc[df.metric.isin(["sensitivity", "equivariance"]), "param"] = None
    return df[COLUMNS].reset_index(drop=True)
