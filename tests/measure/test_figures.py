"""Measurement figures say what is on their axes: units, plain numbers, named layers."""

import torch
from torch import nn

from invlab.measure import compute_profile
from invlab.measure.plots import axis_label, plot_along, plot_layers
from invlab.transforms import Rotate, Scale, Shift


def test_axis_label_names_the_parameter_and_its_unit():
    assert axis_label(Shift(4)) == "shift (samples)"
    assert axis_label(Shift(4, dims=2)) == "shift (pixels)"
    assert axis_label(Rotate((-30, 30))) == "rotation angle (°)"
    assert axis_label(Scale((0.8, 1.2))) == "scale factor"


def test_figures_name_layers_use_plain_ticks_and_keep_the_legend_off_the_curves():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 10))
    result = compute_profile(model, torch.randn(300, 1, 16), Shift(4), steps=5)
    df = result.to_frame("m")
    fig = plot_layers(df, "goodfellow", result.kinds)
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "1 · Linear" in ticks and "input" in ticks
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels(which="both") if t.get_text()]
    assert labels and not any("10^" in t or "times" in t for t in labels), labels
    fig = plot_along(df, "sensitivity", xlabel=axis_label(Shift(4)), kinds=result.kinds)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "shift (samples)"
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # beside the axes, over no curve
