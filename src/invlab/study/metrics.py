"""What a run measures: one typed record, and how each of its values is shown.

Every part of the study package (the run itself, the results store, the printed summary, the
HTML report, ``invlab runs`` and ``invlab study``) reads and writes a run's numbers through
:class:`RunMetrics` and shows them through :data:`COLUMNS`, so a metric has one name and one
format everywhere.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Literal


@dataclass(frozen=True)
class RunMetrics:
    """The numbers one finished run stores.

    Attributes:
        params: trainable parameters of the model.
        train_accuracy: accuracy on the (untransformed) training set after training.
        test_accuracy: accuracy on the whole (untransformed) test set.
        transformed_accuracy: test accuracy averaged over the transformation's parameter grid
            (the measured inputs, each transformed by every grid point).
        consistency: P[argmax f(g₁x) = argmax f(g₂x)] (Zhang 2019).
        probe_layer: the layer ``goodfellow`` and ``sensitivity`` are read at: the last hidden
            representation, the one before the logits.
        goodfellow: Goodfellow et al. (2009) score of ``probe_layer`` (1/G = 100 is invariant).
        sensitivity: normalised sensitivity of ``probe_layer`` (0 is invariant).
        train_seconds, measure_seconds: wall time of training and of the measurement.
        final_loss: mean training loss of the last epoch.

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

    def as_dict(self) -> dict:
        """Plain-JSON form (the ``metrics`` column of the results store)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RunMetrics:
        """Inverse of :meth:`as_dict`.

        Raises:
            ValueError: a key is missing or unknown (naming them).
        """
        names = [f.name for f in fields(cls)]
        missing, unknown = set(names) - set(d), set(d) - set(names)
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

Format = Literal["percent", "score", "fraction", "seconds", "count", "text"]


@dataclass(frozen=True)
class Column:
    """How one value of a run is shown: its field, a short header and a format."""

    name: str
    header: str
    format: Format
    higher_is: Literal["better", "more invariant", "less invariant", ""] = ""

    def text(self, value) -> str:
        """``value`` as shown in tables ('' for a missing value)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if self.format == "percent":
            return f"{value:.1%}"
        if self.format == "score":
            return f"{value:.1f}"
        if self.format == "fraction":
            return f"{value:.3f}"
        if self.format == "seconds":
            return f"{value:.1f}s"
        if self.format == "count":
            return f"{int(value):,}"
        return str(value)


COLUMNS = {
    c.name: c
    for c in (
        Column("params", "params", "count"),
        Column("train_accuracy", "train acc", "percent", "better"),
        Column("test_accuracy", "test acc", "percent", "better"),
        Column("transformed_accuracy", "acc transformed", "percent", "better"),
        Column("consistency", "consistency", "percent", "more invariant"),
        Column("goodfellow", "goodfellow", "score", "more invariant"),
        Column("sensitivity", "sensitivity", "fraction", "less invariant"),
        Column("final_loss", "final loss", "fraction"),
        Column("train_seconds", "train time", "seconds"),
        Column("measure_seconds", "measure time", "seconds"),
        Column("seconds", "time", "seconds"),
        Column("probe_layer", "probe layer", "text"),
    )
}
"""Every value a table shows, by name: the :class:`RunMetrics` fields and the run's time."""

SUMMARY_METRICS = ("test_accuracy", "transformed_accuracy", "consistency", "goodfellow")
SUMMARY_METRICS += ("sensitivity",)
"""The metrics of the printed summary, the report's table and the figures."""
