"""The markdown tables of a results page, from a results store: each cell a mean over seeds with
its spread, and n.

- :func:`markdown_table`: one row per configuration, one column per run metric;
- :func:`curve_markdown`: accuracy at each point of the transformation's grid (e.g. every 30°);
- :func:`layer_markdown`: one per-layer metric at every layer, or every metric at one layer;
- :func:`trend_markdown`: how each metric changes with size, slope per decade of parameters.

The spread is the half-width of the 95 % interval (``spread="ci"``): over seeds and the test
inputs for the accuracies and the consistency (:func:`invlab.study.stats.sampled_mean_ci`),
over seeds for the rest (:func:`invlab.study.stats.mean_ci`); or the sample standard deviation
over seeds (``spread="sd"``). A row is
a configuration (every field but the seed), named by its run label or by its family
(``rows="family"``). When the selected rows differ in data set or in the measured
transformation, ``data`` and ``measured under`` columns say which is which; a family that names
several rows of the same data set and transformation is followed by each row's run label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from invlab.study.report.columns import COLUMNS, SUMMARY_METRICS
from invlab.study.report.curve_axis import point_text, with_positions
from invlab.study.report.summary import AGGREGATED, sample_sd, summary_table, with_interval
from invlab.study.stats import mean_ci, sampled_mean_ci

SPREADS = {"ci": "95 % Student-t interval", "sd": "sample standard deviation"}
ROWS = ("label", "family")
CONTEXT = (("dataset", "data"), ("transform", "measured under"))


def markdown_table(
    runs: pd.DataFrame,
    labels: Sequence[str] | None = None,
    metrics: Sequence[str] = SUMMARY_METRICS,
    spread: str = "ci",
    rows: str = "label",
) -> str:
    """:func:`summary_table` as a markdown table: mean ± spread and n per configuration.

    Args:
        runs: one row per run (:meth:`ResultStore.runs`).
        labels: only the rows with these names, in this order (each must be there); default
            every configuration.
        metrics: the metric columns shown (after the row name, ``params`` and ``n``).
        spread: ``'ci'`` (95 % interval half-width) or ``'sd'`` (standard deviation).
        rows: name each row by its run ``'label'`` or its ``'family'``.

    Raises:
        ValueError: a name with no finished run, an unknown metric, spread or rows.
    """
    _check_options(spread, rows)
    for name in metrics:
        if name not in COLUMNS or name not in AGGREGATED:
            raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(AGGREGATED[1:])}")
    summary = _select(summary_table(runs), labels, rows)
    context = _context(summary)
    head = ["run", *(h for _, h in context), "params", "n"]
    head += [COLUMNS[name].header for name in metrics]
    lines = _head(head, left=1 + len(context))
    for row in summary.to_dict("records"):
        cells = [_code(row["name"]), *(_code(row[c]) for c, _ in context)]
        cells += [COLUMNS["params"].text(row["params"]), str(row["n"])]
        cells += [
            with_interval(name, row[name], row[f"{name}_{spread}"], row[f"{name}_basis"])
            if spread == "ci"
            else with_interval(name, row[name], row[f"{name}_{spread}"])
            for name in metrics
        ]
        lines.append(_line(cells))
    return "\n".join(lines) + "\n"


def curve_markdown(
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    labels: Sequence[str] | None = None,
    spread: str = "ci",
    rows: str = "label",
) -> str:
    """Accuracy at every point of the transformation's grid: one table per data set and
    transformation, one row per configuration, one column per point (in the transformation's
    unit, :mod:`invlab.study.report.curve_axis`), mean ± spread over seeds.

    Args:
        runs: one row per run; gives the rows' order.
        curves: :meth:`ResultStore.curves` (with each point's data set and transformation).
        labels, spread, rows: as in :func:`markdown_table`.
    """
    _check_options(spread, rows)
    order = _select(summary_table(runs), labels, rows)
    points = with_positions(curves)
    points = points[points.group.isin(order.group)]
    blocks = []
    for (dataset, transform), part in points.groupby(["dataset", "transform"], sort=False):
        xs = sorted(part.x.unique())
        head = ["run", "n", *(point_text(transform, x) for x in xs)]
        over = "interval over n seeds and the test inputs" if spread == "ci" else SPREADS[spread]
        lines = [
            f"Accuracy along `{transform}` on `{dataset}` (mean ± 95 % {over}):"
            if spread == "ci"
            else f"Accuracy along `{transform}` on `{dataset}` (mean ± {over} over n seeds):",
            "",
            *_head(head, left=1),
        ]
        for row in order[order.group.isin(part.group)].to_dict("records"):
            mine = part[part.group == row["group"]]
            cells = [_code(row["name"]), str(mine.key.nunique())]
            for x in xs:
                values = mine[mine.x == x].accuracy.to_numpy(dtype=float)
                points = row["measured_points"] if spread == "ci" else 0
                cells.append(_spread_text(values, spread, COLUMNS["test_accuracy"].text, points))
            lines.append(_line(cells))
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def layer_markdown(
    runs: pd.DataFrame,
    layers: pd.DataFrame,
    metric: str | None = None,
    layer: str | None = None,
    labels: Sequence[str] | None = None,
    spread: str = "ci",
    rows: str = "label",
    columns: Sequence[str] | None = None,
) -> str:
    """Per-layer values, mean ± spread over seeds: ``metric`` at every layer (one column per
    layer, input to output), or every metric stored at ``layer`` (one column per metric).

    Args:
        runs: one row per run; gives the rows' order and context.
        layers: :meth:`ResultStore.layers`.
        metric: the per-layer metric (e.g. ``'goodfellow'``, ``'sensitivity'``).
        layer: instead, one layer (or a kernel run's extras group, e.g. ``'frequency'``).
        labels, spread, rows: as in :func:`markdown_table`.
        columns: only these layers (with ``metric``) or metrics (with ``layer``), in this
            order; default all, in the order stored.

    Raises:
        ValueError: neither or both of ``metric`` and ``layer``, one that no selected run
            stored, or a column that none of them has.
    """
    _check_options(spread, rows)
    if (metric is None) == (layer is None):
        raise ValueError("give exactly one of metric (every layer) or layer (every metric)")
    order = _select(summary_table(runs), labels, rows)
    part = layers[layers.group.isin(order.group)]
    fixed, varying = ("metric", "layer") if metric is not None else ("layer", "metric")
    wanted = metric if metric is not None else layer
    part = part[part[fixed] == wanted]
    if not len(part):
        there = ", ".join(dict.fromkeys(layers[fixed])) or "(none)"
        raise ValueError(f"no selected run stored the {fixed} {wanted!r}; {fixed}s: {there}")
    stored = _merged_order([list(dict.fromkeys(g[varying])) for _, g in part.groupby("key")])
    missing = [c for c in columns or () if c not in stored]
    if missing:
        raise ValueError(f"columns {missing} are not among the {varying}s stored: {stored}")
    columns = list(columns) if columns else stored
    context = _context(order[order.group.isin(part.group)])
    lines = _head(["run", *(h for _, h in context), "n", *columns], left=1 + len(context))
    for row in order[order.group.isin(part.group)].to_dict("records"):
        mine = part[part.group == row["group"]]
        cells = [_code(row["name"]), *(_code(row[c]) for c, _ in context)]
        cells.append(str(mine.key.nunique()))
        for column in columns:
            values = mine[mine[varying] == column].value.to_numpy(dtype=float)
            shown = COLUMNS.get(metric if metric is not None else column)
            cells.append(_spread_text(values, spread, shown.text if shown else "{:.3g}".format))
        lines.append(_line(cells))
    return "\n".join(lines) + "\n"


def trend_markdown(runs: pd.DataFrame, metrics: Sequence[str] | None = None) -> str:
    """:func:`invlab.study.report.summary.trend_table` as markdown: per family and regime, each
    metric's slope against log10(parameters), fitted per seed, mean ± 95 % interval, and
    whether the interval excludes 0."""
    from invlab.study.report.summary import TREND_METRICS, trend_table

    for name in metrics or ():
        if name not in AGGREGATED:
            raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(AGGREGATED[1:])}")
    found = trend_table(runs, metrics or TREND_METRICS)
    head = ["family", "augmentation", "metric", "sizes", "n", "slope per decade", "verdict"]
    lines = _head(head, left=3)
    lines[1] = "|---|---|---|---:|---:|---:|---|"
    for row in found.to_dict("records"):
        slope = f"{row['slope']:+.3g}"
        if not math.isnan(row["slope_ci"]):
            slope += f" ± {row['slope_ci']:.2g}"
        augment = "none" if pd.isna(row["augment"]) else _code(row["augment"])
        cells = [_code(row["family"]), augment, row["metric"], str(row["sizes"]), str(row["n"])]
        lines.append(_line([*cells, slope, row["verdict"]]))
    return "\n".join(lines) + "\n"


TABLES = ("summary", "curve", "layers", "trends")


def page_table(
    table: str,
    runs: pd.DataFrame,
    layers: pd.DataFrame,
    curves: pd.DataFrame,
    labels: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    layer: str | None = None,
    columns: Sequence[str] | None = None,
    spread: str = "ci",
    rows: str = "label",
) -> str:
    """The markdown table ``table`` (``'summary'``, ``'curve'``, ``'layers'`` or ``'trends'``,
    :func:`trend_markdown`) of a store's
    runs, layers and curves: what ``invlab report DB --markdown - --table TABLE`` prints.

    ``metrics`` are the summary's columns, or (one name) the per-layer metric of ``'layers'``;
    ``layer`` and ``columns`` apply to ``'layers'``; the rest is as in :func:`markdown_table`.

    Raises:
        ValueError: an unknown table, or an option that the table does not take.
    """
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, got {table!r}")
    done = runs[runs.status == "done"] if len(runs) else runs
    common = {"labels": labels, "spread": spread, "rows": rows}
    if table != "layers" and (layer is not None or columns):
        raise ValueError("--layer and --column apply to --table layers only")
    if table == "summary":
        return markdown_table(done, metrics=metrics or SUMMARY_METRICS, **common)
    if table == "trends":
        if labels or rows != "label" or spread != "ci":
            raise ValueError("the trends table takes --metric only (every family, 95 % CI)")
        return trend_markdown(done, metrics)
    if table == "curve":
        if metrics:
            raise ValueError("the curve table shows accuracy; --metric does not apply")
        return curve_markdown(done, curves, **common)
    if metrics and len(metrics) > 1:
        raise ValueError(f"the layers table shows one per-layer metric, got {list(metrics)}")
    metric = metrics[0] if metrics else None
    return layer_markdown(done, layers, metric, layer, columns=columns, **common)


def _merged_order(orders: list[list[str]]) -> list[str]:
    """One order of every name in ``orders`` that keeps each list's own order where they agree:
    a name first seen in a later list goes right after its predecessor there (``[input, conv1,
    pool]`` and ``[input, conv1, conv2, pool]`` give ``[input, conv1, conv2, pool]``)."""
    merged: list[str] = []
    for order in sorted(orders, key=len, reverse=True):
        previous = None
        for name in order:
            if name not in merged:
                merged.insert(merged.index(previous) + 1 if previous is not None else 0, name)
            previous = name
    return merged


def _check_options(spread: str, rows: str) -> None:
    if spread not in SPREADS:
        raise ValueError(f"spread must be one of {', '.join(SPREADS)}, got {spread!r}")
    if rows not in ROWS:
        raise ValueError(f"rows must be one of {', '.join(ROWS)}, got {rows!r}")


def _select(summary: pd.DataFrame, labels: Sequence[str] | None, rows: str) -> pd.DataFrame:
    """The summary with each row's ``name`` (its label, or its family; a family that names
    several rows of one data set and transformation is followed by the run label), and only
    the rows that ``labels`` name (by their name, their run label, or their family for all of
    the family's rows), in that order; or all of them."""
    summary = summary.copy()
    summary["name"] = summary[rows]
    if rows == "family":
        # rows that the family and the data/measured-under columns do not tell apart
        context = [c for c, _ in CONTEXT if c in summary]
        shared = summary.duplicated(["family", *context], keep=False)
        summary.loc[shared, "name"] = summary.family[shared] + " — " + summary.label[shared]
    if labels is None:
        return summary
    keys = ["name", "label", "family"]
    missing = [name for name in labels if not any((summary[k] == name).any() for k in keys)]
    if missing:
        plural = "families" if rows == "family" else "labels"
        raise ValueError(
            f"labels {missing} have no finished run; {plural} there: "
            + ", ".join(dict.fromkeys(summary[rows]))
        )
    order = {name: i for i, name in enumerate(labels)}
    rank = summary.name.map(order)
    for key in keys[1:]:
        rank = rank.fillna(summary[key].map(order))
    summary = summary[rank.notna()]
    return summary.iloc[rank[rank.notna()].argsort(kind="stable")]


def _context(summary: pd.DataFrame) -> list[tuple[str, str]]:
    """The ``(column, header)`` of data set and transformation where the rows differ in them."""
    return [(c, h) for c, h in CONTEXT if c in summary and summary[c].nunique(dropna=False) > 1]


def _spread_text(values: np.ndarray, spread: str, fmt, points: int = 0) -> str:
    """Mean ± spread of per-seed ``values``; with ``points`` test inputs behind each value
    (an accuracy), the 95 % interval covers their sampling too (:func:`sampled_mean_ci`)."""
    if not len(values):
        return ""
    estimate = sampled_mean_ci(values, points) if points else mean_ci(values)
    if math.isnan(estimate.mean):
        return ""
    width = estimate.half_width if spread == "ci" else sample_sd(values)
    return fmt(estimate.mean) if math.isnan(width) else f"{fmt(estimate.mean)} ± {fmt(width)}"


def _code(value) -> str:
    """``value`` as inline code in a table cell (``|`` escaped, as GitHub's tables need)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return "`" + str(value).replace("|", "\\|") + "`"


def _head(head: list[str], left: int) -> list[str]:
    return [_line(head), "|" + "---|" * left + "---:|" * (len(head) - left)]


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
