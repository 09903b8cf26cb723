"""Per-layer metrics: values that follow from the definitions."""

import pytest
import torch
from torch import nn

from invlab.invariants import FourierModulus
from invlab.measure import (
    consistency,
    goodfellow_scores,
    goodfellow_unit_scores,
    measure,
    sampled_consistency,
    sampled_sensitivity,
    sensitivity,
)
from invlab.models import create_model
from invlab.transforms import Shift


def invariant_model():
    return nn.Sequential(FourierModulus(), nn.Linear(17, 10))


def test_goodfellow_score_of_exact_invariant_is_one_over_g():
    x = torch.randn(1000, 1, 32)
    scores = goodfellow_unit_scores(invariant_model(), x, Shift(16), ["0", "1"], steps=9)
    for name in ("0", "1"):
        valid = scores[name][~torch.isnan(scores[name])]
        assert torch.allclose(valid, torch.full_like(valid, 100.0))
    df = goodfellow_scores(invariant_model(), x, Shift(16), ["input", "0"], steps=9)
    by_layer = df.set_index("layer").value
    assert by_layer["0"] == pytest.approx(100.0)
    # Raw pixels under shifts: a unit fires only near its own position.
    assert by_layer["input"] < 30


def test_goodfellow_score_of_random_unrelated_trajectory_is_about_one():
    # A transformation that replaces the input with noise: firing on the path is at chance.
    class Resample(Shift):
        def _apply(self, x, params):
            g = torch.Generator().manual_seed(int(params.abs().sum()))
            return torch.randn(x.shape, generator=g)

    x = torch.randn(2000, 1, 16)
    scores = goodfellow_unit_scores(nn.Identity(), x, Resample(8), ["input"], steps=17)
    assert 0.0 < float(scores["input"].nanmean()) < 4.0


def test_sensitivity_zero_for_invariant_and_near_one_for_identity():
    x = torch.randn(256, 1, 32)
    for estimate in (sensitivity, sampled_sensitivity):
        s = estimate(invariant_model(), x, Shift(16), ["input", "0", "1"]).set_index("layer")
        assert s.value["0"] < 1e-10 and s.value["1"] < 1e-10
        assert 0.7 < s.value["input"] < 1.3


def test_circular_cnn_pool_layer_is_exactly_invariant():
    model = create_model("cnn", in_shape=(1, 40), channels=4, depth=2)
    x = torch.randn(300, 1, 40)
    s = sensitivity(model, x, Shift(19), "all").set_index("layer").value
    assert s["pool"] < 1e-10 and s["logits"] < 1e-10
    assert s["conv1"] > 0.5  # feature maps move with the input (equivariant, not invariant)
    assert consistency(model, x, Shift(19)) == 1.0
    assert sampled_consistency(model, x, Shift(19)) == 1.0


def test_consistency_of_position_dependent_classifier_is_low():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(40, 10))
    x = torch.randn(500, 1, 40)
    assert consistency(model, x, Shift(19)) < 0.5
    assert sampled_consistency(model, x, Shift(19)) < 0.5


def test_sampled_estimators_are_seeded():
    model = nn.Sequential(nn.Flatten(), nn.Linear(40, 10))
    x = torch.randn(200, 1, 40)
    a = sampled_sensitivity(model, x, Shift(8), ["0"], seed=3).value.item()
    assert a == sampled_sensitivity(model, x, Shift(8), ["0"], seed=3).value.item()
    assert a != sampled_sensitivity(model, x, Shift(8), ["0"], seed=4).value.item()
    c = sampled_consistency(model, x, Shift(8), seed=3)
    assert c == sampled_consistency(model, x, Shift(8), seed=3)


def test_measure_returns_tidy_table():
    model = create_model("mlp", in_shape=(1, 20), width=8, depth=1)
    x, y = torch.randn(200, 1, 20), torch.randint(10, (200,))
    df = measure(model, (x, y), Shift(4), steps=5, model_name="tiny")
    assert list(df.columns) == ["model", "layer", "metric", "param", "value"]
    assert set(df.metric) == {"goodfellow", "sensitivity", "consistency", "accuracy"} | {
        "equivariance"
    }
    assert set(df[df.metric == "goodfellow"].layer) == {"input", "flatten", "hidden1", "logits"}
    assert set(df[df.metric == "equivariance"].layer) == {"input"}  # the only feature map
    acc = df[df.metric == "accuracy"]
    assert list(acc.param) == [-4.0, -2.0, 0.0, 2.0, 4.0, "mean"]
    assert acc.value.iloc[-1] == pytest.approx(acc.value.iloc[:-1].mean())


def test_bad_input_is_reported_clearly():
    model = invariant_model()
    x = torch.randn(100, 1, 32)
    x_nan = x.clone()
    x_nan[3, 0, 5] = float("nan")
    with pytest.raises(ValueError, match="data contains NaN"):
        sensitivity(model, x_nan, Shift(4))
    with pytest.raises(ValueError, match="x contains NaN"):
        sampled_sensitivity(model, x_nan, Shift(4))
    with pytest.raises(ValueError, match="data is empty"):
        sensitivity(model, torch.zeros(0, 1, 32), Shift(4))
    with pytest.raises(ValueError, match="layer 'conv9' is not in the model; available: input"):
        sensitivity(model, x, Shift(4), ["conv9"])
    with pytest.raises(ValueError, match="spatial dimension"):
        sensitivity(model, x.reshape(100, 32), Shift(4, dims=2))
    with pytest.raises(ValueError, match="needs labels"):
        measure(model, x, Shift(4), metrics=["accuracy"])
    with pytest.raises(ValueError, match="metrics must be one of"):
        measure(model, x, Shift(4), metrics=["fidelity"])
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        consistency(lambda t: t, x, Shift(4))
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        sampled_consistency(lambda t: t, x, Shift(4))
