"""The Lie derivative figure of a study: per layer, trained (solid) against initialised (dashed),
one line per configuration, each point the mean over seeds of the stored values."""

import math

import numpy as np
import pandas as pd
import pytest

from invlab.study.report.gallery import FIGURES, draw
from invlab.study.report.lie_figures import lie_figure, lie_panels


def stored(metric_base="lie_relative", suffixes=("_rotate", "_scale")):
    """Two widths of one family, two seeds each, without augmentation; layers a, b."""
    rows, runs = [], []
    for width, params in ((8, 100), (32, 1000)):
        group = f"g{width}"
        for seed in (0, 1):
            key = f"{group}s{seed}"
            runs.append({"key": key, "params": params, "status": "done"})
            for suffix in suffixes:
                for prefix, factor in (("", 1.0), ("init_", 10.0)):
                    for i, layer in enumerate(["a", "b"]):
                        value = factor * width * (i + 1) * (1 + seed) * (2 if suffix else 1)
                        rows.append(
                            {
                                "key": key,
                                "group": group,
                                "seed": seed,
                                "label": group,
                                "family": "cnn",
                                "augment": None,
                                "layer": layer,
                                "metric": f"{prefix}{metric_base}{suffix}",
                                "value": value,
                            }
                        )
    return pd.DataFrame(runs), pd.DataFrame(rows)


def lines(ax):
    return {(line.get_label(), line.get_linestyle()): line.get_ydata() for line in ax.get_lines()}


def test_each_line_is_the_mean_over_seeds_solid_trained_dashed_at_initialisation():
    runs, layers = stored()
    fig = lie_figure(runs, layers)
    axes = fig.axes
    assert len(axes) == 2  # rotate and scale rows, one family column
    drawn = lines(axes[0])
    # seeds 0 and 1 store v and 2v: the mean is 1.5 v
    assert np.allclose(drawn[("100 params", "-")], [1.5 * 8 * 2, 1.5 * 8 * 2 * 2])
    assert np.allclose(drawn[("1,000 params", "-")], [1.5 * 32 * 2, 1.5 * 32 * 2 * 2])
    assert np.allclose(drawn[("100 params, init", "--")], [15 * 8 * 2, 15 * 8 * 2 * 2])
    assert axes[0].get_yscale() == "log"
    assert "rotate" in axes[0].get_title() and "scale" in axes[1].get_title()


def test_the_figure_falls_back_to_the_raw_lee_and_is_absent_without_lie_rows():
    runs, layers = stored(metric_base="lie", suffixes=("",))
    assert lie_panels(layers) == ("lie", [""])
    fig = lie_figure(runs, layers)
    assert len(fig.axes) == 1 and "LEE" == fig.axes[0].get_ylabel()
    assert lie_figure(runs, layers, augmented=True) is None  # no augmented runs stored
    assert lie_figure(runs, layers[layers.metric == "none"]) is None


def test_the_gallery_names_both_regimes():
    assert {"lie", "lie-augmented"} <= set(FIGURES)
    runs, layers = stored()
    with pytest.raises(ValueError, match="unknown figure"):
        draw("lee", runs, layers, layers.iloc[:0])
    fig = draw("lie", runs, layers, layers.iloc[:0])
    assert not math.isnan(fig.axes[0].get_lines()[0].get_ydata()[0])
