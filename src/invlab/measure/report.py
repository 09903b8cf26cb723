"""All the metrics of one model in one tidy table."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import nn

from invlab._validation import check_choice
from invlab.measure.goodfellow import goodfellow_scores
from invlab.measure.predictions import accuracy_along, consistency
from invlab.measure.sensitivity import sensitivity
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
        seed: seed of random transformation parameters.
        model_name: value of the ``model`` column.
        batch_size: inputs per forward.

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
    frames = []
    if "goodfellow" in metrics:
        frames.append(
            goodfellow_scores(model, x, transform, layers, steps=steps, batch_size=batch_size)
        )
    if "sensitivity" in metrics:
        frames.append(sensitivity(model, x, transform, layers, seed=seed, batch_size=batch_size))
    if "consistency" in metrics:
        value = consistency(model, x, transform, seed=seed, batch_size=batch_size)
        frames.append(pd.DataFrame([{"layer": "output", "metric": "consistency", "value": value}]))
    if "accuracy" in metrics:
        curve = accuracy_along(model, x, y, transform, steps=steps, batch_size=batch_size)
        rows = [
            {"layer": "output", "metric": "accuracy", "param": p, "value": a}
            for p, a in zip(curve.param, curve.accuracy)
        ]
        rows.append(
            {
                "layer": "output",
                "metric": "accuracy",
                "param": "mean",
                "value": float(curve.accuracy.mean()),
            }
        )
        frames.append(pd.DataFrame(rows))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    df["model"] = model_name
    if "param" not in df:
        df["param"] = None
    return df[COLUMNS]
