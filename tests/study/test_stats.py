"""Statistics over seeds: the Student-t interval of a mean (checked against scipy.stats.t),
paired differences and slopes between configurations, the tables aggregated over seeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from invlab.study import mean_ci, paired_difference, slope
from invlab.study.report.markdown import markdown_table
from invlab.study.report.summary import summary_table


def scipy_half_width(values, level):
    """The half-width scipy gives for the t interval of the mean of ``values``."""
    x = np.asarray(values, dtype=float)
    low, high = stats.t.interval(level, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    return (high - low) / 2


def test_known_values():
    r = mean_ci([1.0, 2.0, 3.0])
    # s = 1, s / sqrt(3) = 0.57735, t(0.975, 2) = 4.302653
    assert (r.mean, r.n) == (2.0, 3)
    assert r.half_width == pytest.approx(4.302653 * 0.5773503, rel=1e-6)
    assert mean_ci([0.5, 0.7], level=0.9).half_width == pytest.approx(6.313752 * 0.1, rel=1e-6)
    assert r.low == pytest.approx(2 - r.half_width) and not r.excludes_zero()  # [-0.48, 4.48]
    assert mean_ci([1.0, 1.1, 1.2]).excludes_zero()
    assert str(r).startswith("2 ± 2.5 (n = 3")


@pytest.mark.parametrize("n", [2, 3, 5, 10, 30])
@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99])
def test_matches_scipy_t_interval(n, level):
    values = np.random.default_rng(n).normal(3.0, 2.0, size=n)
    r = mean_ci(values, level)
    assert r.mean == pytest.approx(values.mean(), rel=1e-12)
    assert r.half_width == pytest.approx(scipy_half_width(values, level), rel=1e-10)


def test_property_against_scipy():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(
        st.lists(
            st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=40
        ),
        st.floats(0.01, 0.99),
    )
    def check(values, level):
        r = mean_ci(values, level)
        assert r.n == len(values)
        assert r.mean == pytest.approx(np.mean(values), rel=1e-9, abs=1e-6)
        if np.std(values) > 1e-6 * max(1.0, np.abs(values).max()):
            assert r.half_width == pytest.approx(scipy_half_width(values, level), rel=1e-6)
        assert r.half_width >= 0
        assert mean_ci(values, min(level + 0.005, 0.995)).half_width >= r.half_width

    check()


def test_one_value_has_no_interval_and_bad_input_is_refused():
    r = mean_ci([0.7])
    assert r.mean == 0.7 and r.n == 1 and math.isnan(r.half_width) and not r.excludes_zero()
    assert "no interval" in str(r)
    assert math.isnan(mean_ci([1.0, float("nan")]).mean)
    with pytest.raises(ValueError, match="values must be a non-empty 1D sequence"):
        mean_ci([])
    with pytest.raises(ValueError, match=r"level must be a number in \(0, 1\), got 95"):
        mean_ci([1.0, 2.0], level=95)


def runs_frame() -> pd.DataFrame:
    """Two MLP widths and three seeds; the wider one is 0.1 more sensitive on every seed."""
    rows = []
    for seed, noise in zip((0, 1, 2), (0.0, 0.03, -0.02)):
        for width, params in ((32, 1000), (512, 100000)):
            sensitivity = 0.2 + noise + (0.1 if width == 512 else 0.0)
            rows.append(
                {
                    "key": f"k{width}-{seed}",
                    "group": f"g{width}",
                    "label": f"mlp(width={width},depth=2)",
                    "family": "mlp depth 2",
                    "augment": None,
                    "status": "done",
                    "seed": seed,
                    "params": params,
                    "test_accuracy": 0.5 + noise,
                    "transformed_accuracy": 0.4,
                    "consistency": 0.9,
                    "goodfellow": 50.0,
                    "sensitivity": sensitivity,
                    "seconds": 1.0,
                }
            )
    return pd.DataFrame(rows)


def test_paired_difference_cancels_what_the_seeds_share():
    runs = runs_frame()
    a, b = {"label": "mlp(width=32,depth=2)"}, {"label": "mlp(width=512,depth=2)"}
    d = paired_difference(runs, "sensitivity", a, b)
    # every seed's difference is 0.1: the interval is (almost) zero although the seeds spread
    assert d.n == 3 and d.mean == pytest.approx(0.1) and d.half_width < 1e-12
    assert d.excludes_zero()
    with pytest.raises(ValueError, match="selects several runs of one seed"):
        paired_difference(runs, "sensitivity", {"family": "mlp depth 2"}, b)
    with pytest.raises(ValueError, match="unknown column 'beauty'"):
        paired_difference(runs, "beauty", a, b)
    with pytest.raises(ValueError, match="no seed in common"):
        paired_difference(runs[runs.seed != 0], "sensitivity", a, {**b, "seed": 0})


def test_slope_per_seed_then_its_interval():
    s = slope(runs_frame(), "sensitivity", "params", {"family": "mlp depth 2"})
    assert s.n == 3 and s.mean == pytest.approx(0.1 / 2)  # 0.1 over two decades of params
    with pytest.raises(ValueError, match="two or more distinct 'params'"):
        slope(runs_frame(), "sensitivity", "params", {"label": "mlp(width=32,depth=2)"})


def test_summary_aggregates_over_seeds_and_markdown_shows_mean_ci_and_n():
    runs = runs_frame()
    summary = summary_table(runs).set_index("label")
    row = summary.loc["mlp(width=32,depth=2)"]
    assert row.n == 3 and row.seeds == [0, 1, 2]
    expected = mean_ci(runs[runs.group == "g32"].test_accuracy)
    assert row.test_accuracy == expected.mean and row.test_accuracy_ci == expected.half_width
    table = markdown_table(runs, labels=["mlp(width=512,depth=2)", "mlp(width=32,depth=2)"])
    lines = table.splitlines()
    assert lines[0] == (
        "| run | params | n | train acc | train loss | test acc | acc transformed | consistency "
        "| goodfellow | sensitivity |"
    )
    # these runs stored no fit: its two cells are empty, not invented; nor their number of test
    # inputs: the accuracy's interval is the seeds' alone, and says so
    assert lines[2].startswith(
        "| `mlp(width=512,depth=2)` | 100,000 | 3 |  |  | 50.3% ± 6.3% (seeds only) |"
    )
    assert lines[3].startswith("| `mlp(width=32,depth=2)` |")
    one_seed = markdown_table(runs[runs.seed == 0], labels=["mlp(width=32,depth=2)"])
    assert "| 1 |  |  | 50.0% | 40.0% |" in one_seed  # n = 1: the mean alone
    with pytest.raises(ValueError, match=r"labels \['cnn'\] have no finished run"):
        markdown_table(runs, labels=["cnn"])
