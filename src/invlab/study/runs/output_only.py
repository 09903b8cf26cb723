"""The record of a run that measures a trained model at its output only (the train-zoom kind,
the generator-shift measurement of a train run): no layer is probed."""

from __future__ import annotations

import math

from invlab.models import count_parameters
from invlab.study.store.records import RunMetrics


def output_metrics(model, result, **measured) -> RunMetrics:
    """The record of a trained ``model`` measured at its output only (``result``: its
    TrainResult): no layer is probed, so ``probe_layer`` is ``''`` and ``goodfellow`` and
    ``sensitivity`` are NaN; ``measured`` gives the other :class:`RunMetrics` fields
    (``test_accuracy``, ``transformed_accuracy``, ``consistency``, the seconds, ``grid`` and
    the point counts)."""
    return RunMetrics(
        params=count_parameters(model),
        train_accuracy=result.train_accuracy,
        probe_layer="",
        goodfellow=math.nan,
        sensitivity=math.nan,
        final_loss=result.losses[-1],
        **measured,
    )
