"""A study's numbers aggregated over seeds: the summary table, size trends and comparisons.

Each configuration (a :meth:`RunConfig.group_key`: every field but the seed) is one row: the
mean of each metric over its seeds, the half-width of its 95 % interval and n, the number of
seeds. The accuracies and the consistency (:data:`SAMPLED`: averages over test inputs) get the
interval that covers the seeds *and* the sampling of the test inputs
(:func:`invlab.study.stats.sampled_mean_ci`), so a one-seed or deterministic row still has one;
where a run does not know its number of test inputs the interval is the seeds' alone and is
marked ``(seeds only)``. Every other value gets the seeds' Student-t interval
(:func:`invlab.study.stats.mean_ci`); with n = 1 it has none, and the tables say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from invlab.study.report.columns import COLUMNS, SUMMARY_METRICS
from invlab.study.stats import (
    SEEDS_ONLY,
    MeanCI,
    mean_ci,
    paired_difference,
    sampled_mean_ci,
    slope,
)

FIT_METRICS = ("fit_loss", "epochs_run", "target_reached")
"""The matched-fit record of a run (:class:`~invlab.study.store.records.RunMetrics`): its
training cross-entropy in evaluation mode, the epochs it trained and whether it reached its
``target_loss``; NaN in runs stored before they existed."""
AGGREGATED = ("params", *SUMMARY_METRICS, "accuracy_ratio", *FIT_METRICS, "seconds")
"""The values :func:`summary_table` aggregates (each gets ``NAME`` and ``NAME_ci`` columns)."""
SUMMARY_COLUMNS = ["label", "n", *AGGREGATED]
NO_INTERVAL = "n = 1: one seed, no interval"
SAMPLED = {
    "test_accuracy": "test_points",
    "transformed_accuracy": "measured_points",
    "consistency": "measured_points",
}
"""The values that are averages over test inputs, and the run field holding how many."""


def summary_table(runs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The finished runs aggregated over seeds, one row per configuration.

    Args:
        runs: one row per run (:meth:`ResultStore.runs`).
        level: the intervals' coverage.

    Returns:
        a DataFrame sorted by family, augmentation and size with ``group, label, family,
        augment, dataset, transform, n, seeds`` and, for each value in :data:`AGGREGATED`, its
        mean ``NAME``, interval half-width ``NAME_ci`` (for :data:`SAMPLED` values it covers
        the test sampling too), what that interval covers ``NAME_basis`` and sample standard
        deviation ``NAME_sd`` (NaN for n = 1); ``test_points`` and ``measured_points``, the
        fewest test inputs of the configuration's runs (0: not known).

    Examples:
        Two seeds of one configuration become one row with their mean and interval:

        >>> import pandas as pd
        >>> metrics = {name: 0.0 for name in AGGREGATED}
        >>> runs = pd.DataFrame([
        ...     {"group": "g", "label": "mlp w=8", "family": "mlp", "augment": None,
        ...      "status": "done", "seed": seed, **metrics, "test_accuracy": accuracy}
        ...     for seed, accuracy in ((0, 0.80), (1, 0.90))
        ... ])
        >>> row = summary_table(runs).iloc[0]
        >>> row.label, int(row.n), row.seeds
        ('mlp w=8', 2, [0, 1])
        >>> round(float(row.test_accuracy), 3), round(float(row.test_accuracy_ci), 3)
        (0.85, 0.635)
    """
    columns = ["group", "label", "family", "augment", "dataset", "transform", "n", "seeds"]
    columns += [c for name in AGGREGATED for c in (name, f"{name}_ci", f"{name}_sd")]
    columns += [f"{name}_basis" for name in AGGREGATED] + ["test_points", "measured_points"]
    done = with_derived(runs[runs.status == "done"]) if len(runs) else runs
    if not len(done):
        return pd.DataFrame(columns=columns)
    rows = []
    for group, part in done.groupby("group", sort=False):
        first = part.iloc[0]
        row = {"group": group, "label": first.label, "family": first.family}
        row.update(augment=first.augment, dataset=first.get("dataset"))
        row.update(transform=first.get("transform"), n=len(part))
        row["seeds"] = sorted(part.seed.astype(int))
        for points in ("test_points", "measured_points"):
            known = part[points].fillna(0) if points in part else pd.Series([0])
            row[points] = int(known.min())
        for name in AGGREGATED:
            values = (
                part[name].to_numpy(dtype=float) if name in part else np.full(len(part), np.nan)
            )
            if name in SAMPLED:
                estimate = sampled_mean_ci(values, row[SAMPLED[name]], level)
            else:
                estimate = mean_ci(values, level)
            row[name], row[f"{name}_ci"] = estimate.mean, estimate.half_width
            row[f"{name}_basis"] = estimate.basis
            row[f"{name}_sd"] = sample_sd(values)
        rows.append(row)
    table = pd.DataFrame(rows, columns=columns)
    table["augmented"] = table.augment.notna()
    table = table.sort_values(["family", "augmented", "params"], kind="stable")
    return table.drop(columns="augmented").reset_index(drop=True)


def with_derived(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with the per-run ``accuracy_ratio``: transformed accuracy / test accuracy (1 =
    the transformation costs no accuracy; NaN where either is missing or the test accuracy is
    0), aggregated over seeds like a stored metric."""
    if not len(runs) or "transformed_accuracy" not in runs:
        return runs.assign(accuracy_ratio=pd.Series(dtype=float))
    clean = runs.test_accuracy.astype(float)
    ratio = runs.transformed_accuracy.astype(float) / clean.where(clean > 0)
    return runs.assign(accuracy_ratio=ratio)


def sample_sd(values) -> float:
    """The sample standard deviation (ddof 1), NaN with one value or a missing one (as
    :func:`mean_ci`)."""
    if len(values) < 2 or np.isnan(values).any():
        return math.nan
    return float(np.std(values, ddof=1))


def with_interval(name: str, mean: float, half_width: float, basis: str | None = None) -> str:
    """``mean ± half-width`` in the column's format (the mean alone without an interval),
    marked ``(seeds only)`` for a :data:`SAMPLED` value whose interval could not include the
    test sampling (``basis``, as :func:`summary_table` gives it)."""
    column = COLUMNS[name]
    text = column.text(mean)
    if not text or math.isnan(half_width):
        return text
    mark = " (seeds only)" if name in SAMPLED and basis == SEEDS_ONLY else ""
    return f"{text} ± {column.text(half_width)}{mark}"


TREND_METRICS = ("sensitivity", "goodfellow", "transformed_accuracy")


def trend_table(runs: pd.DataFrame, metrics: Sequence[str] = TREND_METRICS) -> pd.DataFrame:
    """How each metric changes with size within each family and regime: the slope against
    log10(parameters), fitted per seed, with its 95 % interval over seeds
    (:func:`invlab.study.stats.slope`).

    Returns:
        one row per family, augmentation and metric with at least two sizes: ``family,
        augment, metric, sizes, slope, slope_ci, n, verdict``; the verdict is ``'grows'`` or
        ``'shrinks'`` when the interval excludes 0, ``'no clear trend'`` when it does not,
        ``'no change'`` when every seed's slope is 0 to rounding, and ``'n = 1: no interval'``
        with one seed.
    """
    columns = ["family", "augment", "metric", "sizes", "slope", "slope_ci", "n", "verdict"]
    done = with_derived(runs[runs.status == "done"]) if len(runs) else runs
    rows = []
    if len(done):
        done = done.assign(_augment=done.augment.fillna("none"))
        for (family, augment), part in done.groupby(["family", "_augment"], sort=True):
            sizes = part.params.nunique()
            if sizes < 2:
                continue
            for metric in metrics:
                if part[metric].isna().all():
                    continue
                where = {"family": family, "_augment": augment}
                estimate = slope(part, metric, "params", where)
                rows.append(
                    {"family": family, "augment": None if augment == "none" else augment}
                    | {"metric": metric, "sizes": sizes, "slope": estimate.mean}
                    | {"slope_ci": estimate.half_width, "n": estimate.n}
                    | {"verdict": verdict(estimate)}
                )
    return pd.DataFrame(rows, columns=columns)


def verdict(estimate: MeanCI) -> str:
    """``'grows'``/``'shrinks'`` when the interval excludes 0, else what it cannot say."""
    if math.isnan(estimate.half_width):
        return NO_INTERVAL.split(":")[0] + ": no interval"
    if abs(estimate.mean) < 1e-9 and estimate.half_width < 1e-9:  # rounding error only
        return "no change"
    if not estimate.excludes_zero():
        return "no clear trend (interval includes 0)"
    return "grows" if estimate.mean > 0 else "shrinks"


def _configuration(runs: pd.DataFrame, name: str, wanted: str) -> dict:
    """The filter that selects one configuration by its run label or, where the label is
    shared by configurations that differ only in a training override (the label does not
    show ``epochs``), by its family."""
    labels = set(runs.label) if len(runs) else set()
    families = set(runs.family) if "family" in runs and len(runs) else set()
    if wanted in labels:
        chosen = runs[runs.label == wanted]
        configurations = chosen.group.nunique() if "group" in chosen else 1
        if configurations > 1:
            raise ValueError(
                f"{name}: the label {wanted!r} belongs to {configurations} configurations; "
                f"give one of their families instead: {', '.join(sorted(set(chosen.family)))}"
            )
        return {"label": wanted}
    if wanted in families:
        return {"family": wanted}
    raise ValueError(
        f"{name}: no run labelled {wanted!r} and no family of that name; labels: "
        f"{', '.join(sorted(labels))}; families: {', '.join(sorted(families))}"
    )


def compare(runs: pd.DataFrame, metric: str, a: str, b: str) -> str:
    """One line: ``metric`` of configuration ``b`` minus ``a`` (each a run label or a family),
    paired by seed, with its 95 % interval and n (see
    :func:`invlab.study.stats.paired_difference`).

    Raises:
        ValueError: unknown metric, label or family; a label that several configurations share
            (name the family); no seed in common.
    """
    where_a, where_b = _configuration(runs, "a", a), _configuration(runs, "b", b)
    points = SAMPLED.get(metric)
    points = points if points in runs else None  # runs without it: the seeds' interval alone
    d = paired_difference(with_derived(runs), metric, where_a, where_b, points=points)
    column = COLUMNS.get(metric)
    fmt = (lambda v: column.text(v)) if column and column.format != "count" else "{:.4g}".format
    size = fmt(d.mean) if math.isnan(d.half_width) else f"{fmt(d.mean)} ± {fmt(d.half_width)}"
    over = f", {d.points} test inputs" if d.points else ""
    return (
        f"{metric}: {b} − {a} = {size} (paired over n = {d.n} seed(s){over}; 95 % interval, "
        f"{d.basis}): {verdict(d).replace('grows', 'higher').replace('shrinks', 'lower')}"
    )
