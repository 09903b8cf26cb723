"""What one run stores: one typed record of its numbers, and the per-layer and curve rows.

Every part of the study package (the run kinds, the results store, the report) reads and
writes a run's numbers through :class:`RunMetrics`, so a metric has one name everywhere; how
each value is shown is :mod:`invlab.study.report.columns`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class RunMetrics:
    """The numbers one finished run stores.

    Attributes:
        params: trainable parameters of the model.
        train_accuracy: accuracy on the (untransformed) training set after training.
        test_accuracy: accuracy on the whole (untransformed) test set.
        transformed_accuracy: test accuracy averaged over the transformation's parameter grid
            (the measured inputs, each transformed by every grid point).
        consistency: P[argmax f(g₁x) = argmax f(g₂x)] with ``g₁, g₂`` independent and uniform
            on the grid ``grid`` (Zhang 2019; :mod:`invlab.measure.metrics.consistency`), the same
            estimator for every run kind.
        probe_layer: the layer ``goodfellow`` and ``sensitivity`` are read at: the
            representation the model's final linear read-out reads
            (:func:`invlab.models.readout_input`; a kernel's NNGP feature map; ``''`` for a
            model without one, whose two values are then NaN).
        goodfellow: Goodfellow et al. (2009) score of ``probe_layer`` (1/G = 100 is invariant).
        sensitivity: normalised sensitivity of ``probe_layer`` over ``grid`` (0 is invariant).
        train_seconds, measure_seconds: wall time of training and of the measurement.
        final_loss: mean training loss of the last epoch.
        grid: the grid the transformation metrics were computed on: the transformation spec
            and its number of points, e.g. ``shift:-10:10 × 9`` (``''`` where none was).
        test_points: test inputs behind ``test_accuracy`` (0: not known).
        measured_points: test inputs behind ``transformed_accuracy`` and ``consistency``
            (each input moved along the whole grid; 0: not known). With ``test_points`` they
            give the test-sampling part of the intervals (:mod:`invlab.study.stats`).
        fit_loss: cross-entropy on the whole training set in evaluation mode after training
            (the matched-fit criterion; NaN in runs stored before it existed).
        epochs_run: epochs actually trained (fewer than configured when a ``target_loss``
            was reached first).
        target_reached: 1 when training stopped because ``fit_loss <= target_loss``, 0 when
            the epoch cap came first, NaN without a target (its mean over seeds is the
            fraction of seeds that reached it).

    A metric the run's configuration did not ask for is NaN.
    """

    params: int
    train_accuracy: float
    test_accuracy: float
    transformed_accuracy: float
    consistency: float
    probe_layer: str
    goodfellow: float
    sensitivity: float
    train_seconds: float
    measure_seconds: float
    final_loss: float
    grid: str = ""
    test_points: int = 0
    measured_points: int = 0
    fit_loss: float = math.nan
    epochs_run: float = math.nan
    target_reached: float = math.nan

    def as_dict(self) -> dict:
        """Plain-JSON form (the ``metrics`` column of the results store)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RunMetrics:
        """Inverse of :meth:`as_dict`.

        Raises:
            ValueError: a key is missing or unknown (naming them); keys added after the first
                release (:data:`_ADDED`) may be missing and take their defaults.
        """
        names = [f.name for f in fields(cls)]
        missing, unknown = set(names) - set(d) - _ADDED, set(d) - set(names)
        if missing or unknown:
            raise ValueError(
                f"run metrics: missing {sorted(missing)}, unknown {sorted(unknown)}; "
                f"expected exactly: {', '.join(names)}"
            )
        return cls(**d)


@dataclass(frozen=True)
class RunResult:
    """Everything one run returns: its metrics, the per-layer values and the accuracy curve.

    Attributes:
        metrics: the run's :class:`RunMetrics`.
        layers: ``[{"layer", "metric", "value"}, ...]``, layers in the model's order.
        curve: ``[{"param", "accuracy"}, ...]``: test accuracy at each point of the
            transformation's parameter grid (empty without the ``accuracy`` metric).
    """

    metrics: RunMetrics
    layers: list[dict]
    curve: list[dict]


METRIC_NAMES = tuple(f.name for f in fields(RunMetrics))
_ADDED = {"test_points", "measured_points", "fit_loss", "epochs_run", "target_reached"}
