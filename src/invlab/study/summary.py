"""A study's numbers aggregated over seeds: the printed summary and the markdown table.

Each configuration (a :meth:`RunConfig.group_key`: every field but the seed) is one row: the
mean of each metric over its seeds, the half-width of its Student-t 95 % interval
(:func:`invlab.study.stats.mean_ci`) and n, the number of seeds. With n = 1 there is no
interval, and the tables say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from invlab.study.metrics import COLUMNS, SUMMARY_METRICS
from invlab.study.stats import mean_ci

AGGREGATED = ("params", *SUMMARY_METRICS, "seconds")
"""The values :func:`summary_table` aggregates (each gets ``NAME`` and ``NAME_ci`` columns)."""
SUMMARY_COLUMNS = ["label", "n", *AGGREGATED]
NO_INTERVAL = "n = 1: one seed, no interval"


def summary_table(runs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The finished runs aggregated over seeds, one row per configuration.

    Args:
        runs: one row per run (:meth:`ResultStore.runs`).
        level: the intervals' coverage.

    Returns:
        a DataFrame sorted by family, augmentation and size with ``group, label, family,
        augment, n, seeds`` and, for each value in :data:`AGGREGATED`, its mean ``NAME`` and
        interval half-width ``NAME_ci`` (NaN for n = 1).
    """
    columns = ["group", "label", "family", "augment", "n", "seeds"]
    columns += [c for name in AGGREGATED for c in (name, f"{name}_ci")]
    done = runs[runs.status == "done"] if len(runs) else runs
    if not len(done):
        return pd.DataFrame(columns=columns)
    rows = []
    for group, part in done.groupby("group", sort=False):
        first = part.iloc[0]
        row = {"group": group, "label": first.label, "family": first.family}
        row.update(augment=first.augment, n=len(part), seeds=sorted(part.seed.astype(int)))
        for name in AGGREGATED:
            estimate = mean_ci(part[name].to_numpy(dtype=float), level)
            row[name], row[f"{name}_ci"] = estimate.mean, estimate.half_width
        rows.append(row)
    table = pd.DataFrame(rows, columns=columns)
    table["augmented"] = table.augment.notna()
    table = table.sort_values(["family", "augmented", "params"], kind="stable")
    return table.drop(columns="augmented").reset_index(drop=True)


def with_interval(name: str, mean: float, half_width: float) -> str:
    """``mean ± half-width`` in the column's format (the mean alone without an interval)."""
    column = COLUMNS[name]
    text = column.text(mean)
    if not text or math.isnan(half_width):
        return text
    return f"{text} ± {column.text(half_width)}"


def print_summary(runs: pd.DataFrame, title: str) -> None:
    """Print :func:`summary_table` with rich: mean ± 95 % interval over seeds, and n."""
    from rich.console import Console
    from rich.table import Table

    summary = summary_table(runs)
    table = Table(title=title, caption=_caption(summary))
    width = max((len(label) for label in summary.label), default=3)
    table.add_column("run", justify="left", no_wrap=True, min_width=width)
    table.add_column("n", justify="right")
    for name in AGGREGATED:
        table.add_column(COLUMNS[name].header, justify="right")
    for row in summary.to_dict("records"):
        cells = [COLUMNS["params"].text(row["params"])]
        cells += [with_interval(n, row[n], row[f"{n}_ci"]) for n in AGGREGATED[1:]]
        table.add_row(row["label"], str(row["n"]), *cells)
    Console(width=max(140, Console().width)).print(table)


def _caption(summary: pd.DataFrame) -> str:
    text = "mean ± half-width of the 95 % Student-t interval over n seeds"
    if len(summary) and (summary.n == 1).any():
        text += f"; {NO_INTERVAL}"
    return text


def markdown_table(
    runs: pd.DataFrame,
    labels: Sequence[str] | None = None,
    metrics: Sequence[str] = SUMMARY_METRICS,
) -> str:
    """:func:`summary_table` as a markdown table: mean ± 95 % interval and n per row.

    Args:
        runs: one row per run.
        labels: only the configurations with these run labels, in this order (each must be
            there); default every configuration.
        metrics: the metric columns shown (after ``run``, ``params`` and ``n``).

    Raises:
        ValueError: a label with no finished run, or an unknown metric.
    """
    for name in metrics:
        if name not in COLUMNS or name not in AGGREGATED:
            raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(AGGREGATED[1:])}")
    summary = summary_table(runs)
    if labels is not None:
        missing = [label for label in labels if label not in set(summary.label)]
        if missing:
            raise ValueError(
                f"labels {missing} have no finished run; labels there: " + ", ".join(summary.label)
            )
        order = {label: i for i, label in enumerate(labels)}
        summary = summary[summary.label.isin(order)]
        summary = summary.iloc[summary.label.map(order).argsort(kind="stable")]
    head = ["run", "params", "n", *(COLUMNS[name].header for name in metrics)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for row in summary.to_dict("records"):
        cells = [f"`{row['label']}`", COLUMNS["params"].text(row["params"]), str(row["n"])]
        cells += [with_interval(name, row[name], row[f"{name}_ci"]) for name in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
