"""The normalised Lie derivative (``lie_relative``): each layer's LEE over its spread across the
inputs, E‖Lφ(x)‖² / E‖φ(x) − φ̄‖², so that models whose values differ in scale compare."""

import math

import pytest
import torch
from torch import nn

from invlab.measure import lie_derivative
from invlab.measure.metrics.lie import LieAccumulator, lie_vectors
from invlab.measure.streaming import ModelBatch
from invlab.transforms import Rotate, Shift


def images(n=24, size=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    blob = torch.exp(-(r.view(-1, 1) ** 2 + r.view(1, -1) ** 2) / 6)
    return (
        blob * torch.randn(n, 1, 1, 1, generator=g, dtype=torch.float64)
        + 0.3 * torch.randn(n, 1, size, size, generator=g, dtype=torch.float64) * blob
    )


def net(scale=1.0, seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(3, 3, 3, stride=2, padding=1),
        nn.Flatten(),
        nn.Linear(3 * 36, 4),
    ).double()
    with torch.no_grad():
        model[4].weight.mul_(scale)
        model[4].bias.mul_(scale)
    return model


def rows(df, metric):
    return df[(df.metric == metric) & (df.param == "mean")].set_index("layer").value


def test_relative_lee_is_the_lee_over_the_layers_spread_computed_directly():
    model, x = net(), images()
    df = lie_derivative(model, x, Rotate((-10, 10)), ["1", "output"], batch_size=7)
    for layer in ["1", "output"]:
        values: dict = {}
        v = lie_vectors(model, x, "rotate", [layer], values)[layer].detach().flatten(1)
        h = values[layer].detach().flatten(1)
        expected = v.pow(2).sum(1).mean() / (h - h.mean(0)).pow(2).sum(1).mean()
        assert rows(df, "lie_relative")[layer] == pytest.approx(float(expected), rel=1e-9)
        assert rows(df, "lie")[layer] == pytest.approx(float(v.pow(2).sum(1).mean()), rel=1e-9)


def test_relative_lee_does_not_change_when_the_output_is_scaled_while_the_raw_lee_does():
    x = images()
    small = lie_derivative(net(1.0), x, Shift(2, dims=2), ["output"])
    large = lie_derivative(net(10.0), x, Shift(2, dims=2), ["output"])
    # the read-out multiplied by 10 (bias too): the logits' LEE grows 100-fold, their spread too
    assert rows(large, "lie")["output"] == pytest.approx(100 * rows(small, "lie")["output"])
    assert rows(large, "lie_relative")["output"] == pytest.approx(
        rows(small, "lie_relative")["output"], rel=1e-9
    )
    abs_small = lie_derivative(net(1.0), x, Shift(2, dims=2), ["output"], aggregation="abs")
    abs_large = lie_derivative(net(10.0), x, Shift(2, dims=2), ["output"], aggregation="abs")
    assert rows(abs_large, "lie_relative")["output"] == pytest.approx(
        rows(abs_small, "lie_relative")["output"], rel=1e-9
    )
    assert rows(abs_large, "lie")["output"] == pytest.approx(10 * rows(abs_small, "lie")["output"])


def test_relative_lee_is_the_same_whichever_way_the_inputs_are_batched():
    model, x = net(seed=3), images(30, seed=1)
    whole = lie_derivative(model, x, Rotate((-5, 5)), batch_size=30)
    pieces = lie_derivative(model, x, Rotate((-5, 5)), batch_size=4)
    a, b = rows(whole, "lie_relative"), rows(pieces, "lie_relative")
    assert set(a.index) == set(b.index) and len(a) >= 5
    for layer in a.index:
        assert b[layer] == pytest.approx(a[layer], rel=1e-9)


def test_a_layer_that_takes_one_value_on_every_input_has_no_relative_lee():
    # a constant output has no spread to compare with: NaN, not inf and not a crash
    model = nn.Sequential(nn.Flatten(), nn.Linear(144, 2)).double()
    with torch.no_grad():
        model[1].weight.zero_()
    acc = LieAccumulator(["translate_x"], ["1"])
    acc.update(ModelBatch(model, images(), 0))
    relative = acc.result()["lie_relative"]["1"]["translate_x"]
    assert math.isnan(relative["squared"]) and math.isnan(relative["abs"])
    assert acc.result()["lie"]["1"]["translate_x"]["squared"] == 0
