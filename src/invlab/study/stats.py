"""Uncertainty over seeds: the mean and its Student-t 95 % confidence interval.

A configuration trained with n seeds gives n independent values of a metric x₁ … xₙ. Their mean
x̄ and its interval are

    x̄ ± t_{(1+level)/2, n−1} · s / √n,    s² = Σ (xᵢ − x̄)² / (n − 1),

the Student-t interval for the mean of a normal sample. With n = 1 there is no interval (the
half-width is NaN and tables say so). A claim comparing two configurations ("sensitivity grows
with width") is an interval on the per-seed differences (:func:`paired_difference`: seed s of one
against seed s of the other, so what the seed shares, the data order and the initialisation
stream, cancels) or on the per-seed slopes against a size axis (:func:`slope`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MeanCI:
    """A mean over n values and the half-width of its confidence interval (NaN for n = 1)."""

    mean: float
    half_width: float
    n: int
    level: float = 0.95

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely on one side of 0 (False without an interval)."""
        return not math.isnan(self.half_width) and (self.low > 0 or self.high < 0)

    def __str__(self) -> str:
        if math.isnan(self.half_width):
            return f"{self.mean:.4g} (n = {self.n}, no interval)"
        return f"{self.mean:.4g} ± {self.half_width:.2g} (n = {self.n}, {self.level:.0%} CI)"


def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> MeanCI:
    """Mean of ``values`` and the half-width of its Student-t confidence interval.

    Args:
        values: one value per seed (at least one). A NaN (a metric that was not measured)
            makes the mean and the interval NaN.
        level: the interval's coverage, in (0, 1).

    Returns:
        :class:`MeanCI` (``half_width`` NaN when there is one value).

    Raises:
        ValueError: ``values`` is empty or not one-dimensional, or ``level`` is not in (0, 1).

    Examples:
        >>> r = mean_ci([1.0, 2.0, 3.0])
        >>> round(r.mean, 6), round(r.half_width, 4), r.n
        (2.0, 2.4841, 3)
    """
    from scipy.stats import t

    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}")
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"values must be a non-empty 1D sequence, got shape {x.shape}")
    n = int(x.size)
    mean = float(x.mean())
    if n == 1 or math.isnan(mean):
        return MeanCI(mean, math.nan, n, level)
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    return MeanCI(mean, float(t.ppf((1 + level) / 2, n - 1)) * sem, n, level)


def paired_difference(
    runs: pd.DataFrame,
    metric: str,
    a: dict,
    b: dict,
    *,
    level: float = 0.95,
) -> MeanCI:
    """The difference ``b − a`` of ``metric`` between two configurations, paired by seed.

    Args:
        runs: finished runs, one row each (e.g. :meth:`ResultStore.runs`), with a ``seed``
            column and the columns ``a`` and ``b`` select on.
        metric: a metric column, e.g. ``'sensitivity'``.
        a, b: column → value filters selecting each configuration's runs, e.g.
            ``{"label": "mlp(width=32,depth=2)"}``; each must select at most one run per seed.

    Returns:
        the mean over the seeds both configurations have of ``b − a``, with its interval.

    Raises:
        ValueError: unknown column, a filter selecting several runs of one seed, or no seed
            in common.

    Examples:
        >>> import pandas as pd
        >>> runs = pd.DataFrame({"label": ["a", "a", "b", "b"], "seed": [0, 1, 0, 1],
        ...                      "sensitivity": [0.5, 0.7, 0.2, 0.3]})
        >>> d = paired_difference(runs, "sensitivity", {"label": "a"}, {"label": "b"})
        >>> round(d.mean, 6), d.n
        (-0.35, 2)
    """
    first, second = _by_seed(runs, metric, a, "a"), _by_seed(runs, metric, b, "b")
    seeds = sorted(set(first.index) & set(second.index))
    if not seeds:
        raise ValueError(
            f"a and b have no seed in common (a: {sorted(first.index)}, b: {sorted(second.index)})"
        )
    return mean_ci((second[seeds] - first[seeds]).to_numpy(), level)


def slope(
    runs: pd.DataFrame,
    metric: str,
    x: str,
    where: dict | None = None,
    *,
    log: bool = True,
    level: float = 0.95,
) -> MeanCI:
    """How ``metric`` changes along ``x``: the least-squares slope, fitted per seed, then its
    mean over seeds with an interval.

    Args:
        runs: finished runs with a ``seed`` column.
        metric: the metric column, e.g. ``'sensitivity'``.
        x: the size column, e.g. ``'params'`` (or a size argument column).
        where: column → value filters selecting the runs along the axis, e.g.
            ``{"family": "mlp depth 2", "augment": None}``.
        log: fit against log10(x) (the slope is then per decade).

    Raises:
        ValueError: unknown column, or no seed with at least two distinct x values.

    Examples:
        Sensitivity falling by 0.1 per decade of parameters, in both seeds:

        >>> import pandas as pd
        >>> runs = pd.DataFrame({"seed": [0, 0, 1, 1], "params": [100, 1000, 100, 1000],
        ...                      "sensitivity": [0.5, 0.4, 0.6, 0.5]})
        >>> s = slope(runs, "sensitivity", "params")
        >>> round(s.mean, 6), s.n
        (-0.1, 2)
    """
    part = _select(runs, where or {}, "where")
    for column in (metric, x, "seed"):
        _check_column(part if len(part) else runs, column)
    slopes = []
    for _, rows in part.groupby("seed"):
        xs = rows[x].to_numpy(dtype=float)
        xs = np.log10(xs) if log else xs
        if len(np.unique(xs)) >= 2:
            slopes.append(float(np.polyfit(xs, rows[metric].to_numpy(dtype=float), 1)[0]))
    if not slopes:
        raise ValueError(f"no seed has runs at two or more distinct {x!r} values")
    return mean_ci(slopes, level)


def _check_column(runs: pd.DataFrame, column: str) -> None:
    if column not in runs.columns:
        raise ValueError(f"unknown column {column!r}; allowed: {', '.join(map(str, runs.columns))}")


def _select(runs: pd.DataFrame, where: dict, name: str) -> pd.DataFrame:
    if not isinstance(where, dict):
        raise TypeError(f"{name} must be a dict of column → value, got {type(where).__name__}")
    mask = pd.Series(True, index=runs.index)
    for column, value in where.items():
        _check_column(runs, column)
        mask &= runs[column].isna() if value is None else runs[column] == value
    if "status" in runs:
        mask &= runs.status == "done"
    return runs[mask]


def _by_seed(runs: pd.DataFrame, metric: str, where: dict, name: str) -> pd.Series:
    _check_column(runs, metric)
    part = _select(runs, where, name)
    if part.seed.duplicated().any():
        raise ValueError(
            f"{name}={where!r} selects several runs of one seed; add filters (e.g. label)"
        )
    return part.set_index("seed")[metric].astype(float)
