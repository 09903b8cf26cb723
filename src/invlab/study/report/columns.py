"""How each value of a run is shown: one header and one format per name, everywhere (console,
markdown, HTML)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

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
        Column("final_loss", "train loss", "fraction"),
        Column("fit_loss", "train CE (eval)", "fraction"),
        Column("epochs_run", "epochs", "score"),
        Column("target_reached", "reached target", "percent"),
        Column("accuracy_ratio", "transformed / clean acc", "fraction", "more invariant"),
        Column("train_seconds", "train time", "seconds"),
        Column("measure_seconds", "measure time", "seconds"),
        Column("seconds", "time", "seconds"),
        Column("probe_layer", "probe layer", "text"),
        Column("grid", "grid", "text"),
    )
}
"""Every value a table shows, by name: the :class:`RunMetrics` fields, the run's time and the
derived ``accuracy_ratio`` (transformed accuracy / test accuracy, per run)."""

SUMMARY_METRICS = ("train_accuracy", "final_loss", "test_accuracy", "transformed_accuracy")
SUMMARY_METRICS += ("consistency", "goodfellow", "sensitivity")
"""The metrics of the printed summary, the report's table and the figures: the fit (training
accuracy and loss, so that models are compared at a known fit), then accuracy and invariance."""
