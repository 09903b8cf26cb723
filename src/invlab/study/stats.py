"""Uncertainty over seeds and over the test set: means with 95 % confidence intervals.

**Seeds.** A configuration trained with k seeds gives k values of a metric x₁ … x_k. Their mean
x̄ and its Student-t interval are

    x̄ ± t_{(1+level)/2, k−1} · s / √k,    s² = Σ (xᵢ − x̄)² / (k − 1).

**Test sampling.** An accuracy or a consistency is also an estimate from n test inputs, the
same n inputs for every seed. Write each input's value cₛ(x) ∈ [0, 1] (correct or not; its
share of agreeing grid pairs) as μ + aₛ + b(x) + eₛ(x): a seed effect, an input effect and
their interaction. Then

    Var(x̄) = σ_a²/k + σ_b²/n + σ_e²/(nk).

The seeds' spread s² estimates σ_a² + σ_e²/n (the test set is fixed), so s²/k covers the first
and last terms; the input effect σ_b²/n does *not* shrink with k, because every seed sees the
same inputs, and s² cannot see it. It is bounded without per-input values: the seed-averaged
m(x) = μ + b(x) lies in [0, 1], so σ_b² = Var m(x) ≤ μ(1 − μ) (binomial bound, exact for a
deterministic 0/1 classifier). :func:`sampled_mean_ci` therefore reports

    x̄ ± √( (t_{k−1} · s/√k)² + (z · √(x̄(1 − x̄)/n))² ),   z = Φ⁻¹((1+level)/2),

each part at its own critical value. The bound makes it conservative: s² also holds σ_e²/n, so
where seeds disagree input by input the interval can be up to about twice the estimator's
spread with 3 seeds (tests/study/test_intervals.py). With one seed it is the binomial (Wald)
interval x̄ ± z √(x̄(1 − x̄)/n); it is 0 only where x̄ is exactly 0 or 1 over all seeds (e.g. an exactly
invariant model's consistency, a deterministic value). Values that are not means of per-input
values in [0, 1] (sensitivity, Goodfellow scores, ratios) keep the seed-only interval.

**Comparisons.** ``b − a`` paired by seed (:func:`paired_difference`: seed s of one against
seed s of the other, so what the seed shares cancels) on the same test inputs: the per-input
difference D(x) = m_b(x) − m_a(x) ∈ [−1, 1] has Var D ≤ E|D| − (E D)² ≤ min(μ_a + μ_b,
2 − μ_a − μ_b) − (μ_b − μ_a)² (:func:`paired_sampling_variance`), divided by n and combined
with the seed part as above. Size trends are per-seed slopes (:func:`slope`), seed-only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEEDS_ONLY = "seeds only"
WITH_SAMPLING = "seeds + test sampling"


@dataclass(frozen=True)
class MeanCI:
    """A mean over n values (seeds) and the half-width of its confidence interval (NaN for
    n = 1 without a test-sampling part); ``basis`` says what the interval covers, ``points``
    the test inputs behind the sampling part (0 without one)."""

    mean: float
    half_width: float
    n: int
    level: float = 0.95
    basis: str = SEEDS_ONLY
    points: int = 0

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
        over = f"; {self.points} test inputs" if self.points else ""
        return (
            f"{self.mean:.4g} ± {self.half_width:.2g} (n = {self.n}{over}, {self.level:.0%} CI, "
            f"{self.basis})"
        )


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


def sampled_mean_ci(
    values: Sequence[float] | np.ndarray, points: int, level: float = 0.95
) -> MeanCI:
    """Mean over seeds of a per-input average in [0, 1] (an accuracy, a consistency) computed
    on the same ``points`` test inputs for every seed, with an interval covering the seeds and
    the test sampling (module docstring).

    Args:
        values: one value per seed, each in [0, 1].
        points: the number n of test inputs each value averages (>= 1); 0 or less means not
            known, and the interval is :func:`mean_ci`'s (seeds only).
        level: the interval's coverage, in (0, 1).

    Raises:
        ValueError: as :func:`mean_ci`, or a value outside [0, 1].

    Examples:
        One deterministic run, 120 of 300 correct: the binomial interval.

        >>> r = sampled_mean_ci([0.4], 300)
        >>> round(r.half_width, 4), r.basis
        (0.0554, 'seeds + test sampling')
    """
    from scipy.stats import norm

    seeds = mean_ci(values, level)
    if not isinstance(points, (int, np.integer)) or isinstance(points, bool):
        raise TypeError(f"points must be an int (test inputs), got {type(points).__name__}")
    if points <= 0 or math.isnan(seeds.mean):
        return seeds
    x = np.asarray(values, dtype=float)
    if (x < -1e-9).any() or (x > 1 + 1e-9).any():  # rounding (a sum of squares) is let through
        raise ValueError(f"values must lie in [0, 1] (per-input averages), got {x.tolist()}")
    p = min(max(seeds.mean, 0.0), 1.0)
    sampling = float(norm.ppf((1 + level) / 2)) * math.sqrt(binomial_variance(p, points))
    seed_part = 0.0 if math.isnan(seeds.half_width) else seeds.half_width
    half = math.hypot(seed_part, sampling)
    return MeanCI(seeds.mean, half, seeds.n, level, WITH_SAMPLING, int(points))


def binomial_variance(p: float, n: int) -> float:
    """``p (1 − p) / n``: the variance of a mean of n independent values in [0, 1] with mean p
    at its largest (all 0 or 1); exact for a 0/1 outcome such as a correct prediction."""
    return p * (1 - p) / n


def paired_sampling_variance(mean_a: float, mean_b: float, n: int) -> float:
    """A bound on the test-sampling variance of ``b − a`` measured on the same n inputs, each
    input's values in [0, 1]: ``(min(μ_a + μ_b, 2 − μ_a − μ_b) − (μ_b − μ_a)²) / n`` (module
    docstring; exact when a is deterministic at 0 or 1).

    Examples:
        >>> round(paired_sampling_variance(1.0, 0.9, 100), 6)  # = 0.9 · 0.1 / 100
        0.0009
    """
    bound = min(mean_a + mean_b, 2 - mean_a - mean_b) - (mean_b - mean_a) ** 2
    return max(bound, 0.0) / n


def paired_difference(
    runs: pd.DataFrame,
    metric: str,
    a: dict,
    b: dict,
    *,
    points: str | None = None,
    level: float = 0.95,
) -> MeanCI:
    """The difference ``b − a`` of ``metric`` between two configurations, paired by seed.

    Args:
        runs: finished runs, one row each (e.g. :meth:`ResultStore.runs`), with a ``seed``
            column and the columns ``a`` and ``b`` select on.
        metric: a metric column, e.g. ``'sensitivity'``.
        a, b: column → value filters selecting each configuration's runs, e.g.
            ``{"label": "mlp(width=32,depth=2)"}``; each must select at most one run per seed.
        points: the column holding each run's number of test inputs behind ``metric`` (e.g.
            ``'measured_points'``) for a per-input average in [0, 1]: the interval then also
            covers the test sampling (:func:`paired_sampling_variance`, on the smallest n of
            the paired runs). ``None``: seeds only.

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
    paired = mean_ci((second[seeds] - first[seeds]).to_numpy(), level)
    if points is None:
        return paired
    n = int(min(_by_seed(runs, points, w, name)[seeds].min() for w, name in ((a, "a"), (b, "b"))))
    if n <= 0 or math.isnan(paired.mean):
        return paired
    from scipy.stats import norm

    var = paired_sampling_variance(float(first[seeds].mean()), float(second[seeds].mean()), n)
    sampling = float(norm.ppf((1 + level) / 2)) * math.sqrt(var)
    seed_part = 0.0 if math.isnan(paired.half_width) else paired.half_width
    return MeanCI(paired.mean, math.hypot(seed_part, sampling), paired.n, level, WITH_SAMPLING, n)


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
