"""Intervals that cover the test set's sampling, not only the seeds (#24, item 5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, t

from _paths import REPO
from invlab.study.report.markdown import markdown_table
from invlab.study.report.summary import compare, summary_table
from invlab.study.stats import (
    SEEDS_ONLY,
    WITH_SAMPLING,
    paired_difference,
    paired_sampling_variance,
    sampled_mean_ci,
)
from invlab.study.store import ResultStore

DATA = REPO / "docs" / "data"
Z = norm.ppf(0.975)


def kernel_runs(accuracy: float, points: int) -> pd.DataFrame:
    """One deterministic kernel run (one seed) with ``points`` test inputs."""
    return pd.DataFrame(
        [
            {"group": "k", "label": "kernel:mlp(depth=1)", "family": "mlp kernel"}
            | {"augment": None, "status": "done", "seed": 0, "params": 0}
            | {"test_accuracy": accuracy, "transformed_accuracy": accuracy / 2}
            | {"consistency": 1.0, "sensitivity": 0.5, "seconds": 1.0}
            | {"test_points": points, "measured_points": points}
        ]
    )


def test_one_deterministic_kernel_row_gets_the_binomial_interval():
    row = summary_table(kernel_runs(102 / 300, 300)).iloc[0]
    # by hand: p = 0.34, sqrt(0.34 · 0.66 / 300) = 0.027350, × 1.959964 = 0.053605
    assert row.test_accuracy_ci == pytest.approx(0.053605, abs=2e-6)
    assert row.test_accuracy_basis == WITH_SAMPLING
    # a value that is exactly 1 on every input has no sampling error: ± 0 is exact here
    assert row.consistency_ci == 0.0
    # not an average over inputs: no sampling part, and one seed gives no interval
    assert math.isnan(row.sensitivity_ci)
    table = markdown_table(kernel_runs(102 / 300, 300), metrics=["test_accuracy"])
    assert "| 34.0% ± 5.4% |" in table


def test_committed_kernel_rows_recover_their_test_points_and_interval():
    """The infinite-width database predates stored test points (schema 4): the migration
    recovers n_test = 300 from each run's configuration."""
    with ResultStore(DATA / "infinite-width.db", readonly=True) as store:
        runs = store.runs()
    kernels = runs[runs.label.str.startswith("kernel:")]
    assert len(kernels) and (kernels.test_points == 300).all()
    assert (kernels.measured_points == 300).all()
    summary = summary_table(kernels)
    p = summary.test_accuracy.to_numpy()
    assert (summary.n == 1).all()
    np.testing.assert_allclose(summary.test_accuracy_ci, Z * np.sqrt(p * (1 - p) / 300))
    assert (summary.test_accuracy_ci > 0.02).all()  # about ±5 points, never ± 0.0


def test_seeds_and_sampling_combine_in_quadrature():
    values = [0.60, 0.64, 0.62]
    r = sampled_mean_ci(values, 1000)
    seed_part = t.ppf(0.975, 2) * np.std(values, ddof=1) / math.sqrt(3)
    sampling = Z * math.sqrt(0.62 * 0.38 / 1000)
    assert r.half_width == pytest.approx(math.hypot(seed_part, sampling))
    assert r.n == 3 and r.points == 1000 and r.basis == WITH_SAMPLING
    # without a known number of inputs: the seeds' interval, marked as such
    assert sampled_mean_ci(values, 0).basis == SEEDS_ONLY
    assert sampled_mean_ci(values, 0).half_width == pytest.approx(seed_part)


def test_sampled_interval_refuses_bad_input():
    with pytest.raises(ValueError, match=r"values must lie in \[0, 1\]"):
        sampled_mean_ci([0.5, 1.2], 100)
    # a consistency of 1 up to rounding (a sum of squares) is a value of 1, not an error
    assert sampled_mean_ci([1 + 2e-16, 1.0], 100).half_width < 1e-12
    with pytest.raises(TypeError, match="points must be an int"):
        sampled_mean_ci([0.5], 100.0)
    with pytest.raises(ValueError, match="non-empty 1D"):
        sampled_mean_ci([], 100)


def test_nominal_95_interval_covers_a_known_classifiers_accuracy():
    """A fixed classifier with true accuracy 0.7 on the population; each resample draws a new
    test set of 300 inputs. The one-run interval must cover 0.7 about 95 % of the time."""
    rng = np.random.default_rng(0)
    true, n, trials = 0.7, 300, 4000
    estimates = rng.binomial(n, true, size=trials) / n
    covered = [abs(p - true) <= sampled_mean_ci([p], n).half_width for p in estimates]
    assert 0.92 <= np.mean(covered) <= 0.975
    # the seeds-only interval cannot cover anything with one run
    assert math.isnan(sampled_mean_ci([0.7], 0).half_width)


def test_coverage_with_seeds_sharing_one_test_set():
    """Three seeds measured on the same 300 inputs: the input effect (hard and easy inputs)
    is shared by every seed and does not average away; the seed-only interval undercovers,
    the combined one covers the population accuracy. It is conservative by construction (the
    binomial bound also counts the seed × input part that s² already holds, and with 3 seeds
    that part is scaled by t₂ = 4.3), within 2.5 times the estimator's actual 95 % spread
    (1.3 here; about 2 where each seed's outcome on an input is an independent coin). Inputs
    are mostly always right or always wrong across seeds, as a trained network's are."""
    rng = np.random.default_rng(1)
    n, k, trials = 300, 3, 1500
    mean_difficulty = 0.7
    covered_combined, covered_seeds, widths, means = [], [], [], []
    for _ in range(trials):
        m = rng.beta(0.2 * mean_difficulty, 0.2 * (1 - mean_difficulty), size=n)  # per input
        offsets = rng.normal(0, 0.02, size=k)  # per seed
        p = np.clip(m[None] + offsets[:, None], 0, 1)
        values = (rng.random((k, n)) < p).mean(1)
        target = mean_difficulty  # the population accuracy averaged over seeds
        combined = sampled_mean_ci(values, n).half_width
        covered_combined.append(abs(values.mean() - target) <= combined)
        covered_seeds.append(abs(values.mean() - target) <= sampled_mean_ci(values, 0).half_width)
        widths.append(combined)
        means.append(values.mean())
    assert 0.93 <= np.mean(covered_combined) <= 0.995
    assert Z * np.std(means) <= np.mean(widths) <= 2.5 * Z * np.std(means)
    assert np.mean(covered_seeds) < 0.85  # the seeds-only interval, as the page showed before


def test_paired_interval_includes_sampling_and_is_exact_against_a_deterministic_1():
    runs = pd.DataFrame(
        [
            {"label": label, "seed": 0, "consistency": value, "measured_points": 1000}
            for label, value in (("cnn", 1.0), ("detrend", 0.905))
        ]
    )
    d = paired_difference(
        runs, "consistency", {"label": "cnn"}, {"label": "detrend"}, points="measured_points"
    )
    assert d.mean == pytest.approx(-0.095) and d.n == 1 and d.points == 1000
    assert d.half_width == pytest.approx(Z * math.sqrt(0.905 * 0.095 / 1000))
    # the bound never exceeds the unpaired sum of the two binomial variances by construction
    # of its first term, and is 0 for two identical deterministic values
    assert paired_sampling_variance(1.0, 1.0, 10) == 0.0
    assert paired_sampling_variance(0.5, 0.6, 100) <= (0.25 + 0.24) / 100 * 2


def test_paired_bound_covers_simulated_paired_differences():
    """Two classifiers on the same inputs, their per-input correctness correlated: the paired
    sampling interval (:func:`paired_sampling_variance`, what :func:`paired_difference` uses
    for one seed) covers the true difference 93-99.9 % of the time."""
    rng = np.random.default_rng(2)
    n, trials, covered = 400, 2000, 0
    true = (0.2 * 0.4 + 0.8 * 0.95) - (0.2 * 0.3 + 0.8 * 0.95)
    for _ in range(trials):
        hard = rng.random(n) < 0.2  # inputs both classifiers tend to get wrong
        a = np.where(hard, rng.random(n) < 0.3, rng.random(n) < 0.95)
        b = np.where(hard, rng.random(n) < 0.4, rng.random(n) < 0.95)
        half = Z * math.sqrt(paired_sampling_variance(a.mean(), b.mean(), n))
        covered += abs(b.mean() - a.mean() - true) <= half
    assert 0.93 <= covered / trials <= 0.999


def test_compare_reports_the_paired_interval_and_n():
    with ResultStore(DATA / "mnist1d-baselines.db", readonly=True) as store:
        runs = store.runs()
    cnn, detrend = "cnn(channels=32,depth=4)", "detrend_cnn(channels=32,depth=4)"
    line = compare(runs, "consistency", cnn, detrend)
    assert "paired over n = 3 seed(s), 1000 test inputs" in line
    assert WITH_SAMPLING in line and "lower" in line


def test_every_run_kind_stores_its_test_points():
    from invlab.study.runs import get_kind
    from invlab.study.runs.common import dataset
    from invlab.study.runs.kinds.train import execute_train
    from invlab.study.spec.run_config import RunConfig

    small = {"epochs": 1, "steps": 3, "transform": "shift:-2:2"}
    train = execute_train(
        RunConfig(
            dataset="mnist1d",
            model="mlp",
            size={"width": 8, "depth": 1},
            measure_inputs=200,
            metrics=("consistency", "accuracy"),
            **small,
        )
    ).metrics
    assert (train.test_points, train.measured_points) == (1000, 200)
    for kind, model, size in (
        ("kernel", "mlp", {"depth": 1}),
        ("finite", "stax_mlp", {"width": 16, "steps": 2, "lr": 0.5}),
    ):
        config = RunConfig(
            dataset="mnist1d", model=model, kind=kind, size={**size, "n_train": 30, "n_test": 40}
        )
        found = get_kind(kind).run(config, dataset("mnist1d"), None).metrics
        assert (found.test_points, found.measured_points) == (40, 40)


def test_compare_takes_a_family_where_configurations_share_a_label():
    """The ±90° and ±180° augmented CNNs of rotation-controls share one run label (the label
    shows neither the augmentation range nor the epochs): the label is refused, naming the
    families, and each family selects its own three seeds."""
    with ResultStore(DATA / "rotation-controls.db", readonly=True) as store:
        runs = store.runs()
    shared = "cnn_maxpool(channels=16,depth=3)+aug"
    with pytest.raises(
        ValueError, match=r"belongs to 2 configurations.*cnn \+ aug ±180°, 10 epochs"
    ):
        compare(runs, "test_accuracy", shared, "gcnn C16, 10 epochs")
    line = compare(runs, "test_accuracy", "cnn + aug ±180°, 10 epochs", "cnn + aug ±90°, 10 epochs")
    fam = runs[runs.family.isin(["cnn + aug ±180°, 10 epochs", "cnn + aug ±90°, 10 epochs"])]
    means = fam.groupby("family").test_accuracy.mean()
    expected = means["cnn + aug ±90°, 10 epochs"] - means["cnn + aug ±180°, 10 epochs"]
    assert f"= {100 * expected:.1f}%" in line and "n = 3 seed(s)" in line
    with pytest.raises(ValueError, match="no run labelled 'nope' and no family"):
        compare(runs, "test_accuracy", "nope", "gcnn C16, 10 epochs")
