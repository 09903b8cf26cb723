"""Deep MLPs and flatten CNNs with normalisation and residual connections (#24 item 4)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from invlab.models import count_parameters, create_model
from invlab.models.staged import Residual


def _has(model: nn.Module, kind: type) -> bool:
    return any(isinstance(m, kind) for m in model.modules())


def test_defaults_build_the_models_of_the_earlier_studies():
    # the committed databases' parameter counts (size-vs-invariance: mlp 256x2, cnn_flat 32x4)
    assert count_parameters(create_model("mlp", width=256, depth=2)) == 78_858
    assert count_parameters(create_model("cnn_flat", channels=32, depth=4)) == 28_714
    assert not _has(create_model("mlp", depth=3), Residual)
    assert _has(create_model("cnn_flat"), nn.BatchNorm1d)


@pytest.mark.parametrize("norm, kind", [("batch", nn.BatchNorm1d), ("layer", nn.LayerNorm)])
def test_mlp_normalises_every_hidden_layer(norm, kind):
    model = create_model("mlp", width=16, depth=3, norm=norm)
    assert [_has(getattr(model, f"hidden{i}"), kind) for i in (1, 2, 3)] == [True] * 3


def test_residual_stage_adds_its_input():
    torch.manual_seed(0)
    model = create_model("mlp", width=16, depth=3, residual=True).eval()
    assert not isinstance(model.hidden1, Residual)  # it changes the width
    assert isinstance(model.hidden2, Residual) and isinstance(model.hidden3, Residual)
    h = model.hidden1(model.flatten(torch.randn(4, 1, 40)))
    torch.testing.assert_close(model.hidden2(h), h + model.hidden2.block(h))


@pytest.mark.parametrize(
    "norm, kind, absent",
    [("none", None, (nn.BatchNorm1d, nn.GroupNorm)), ("layer", nn.GroupNorm, (nn.BatchNorm1d,))],
)
def test_cnn_flat_norm(norm, kind, absent):
    model = create_model("cnn_flat", channels=4, depth=2, norm=norm)
    assert all(not _has(model, a) for a in absent)
    assert kind is None or _has(model, kind)


@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_residual_conv_stages_stay_exactly_shift_equivariant(norm):
    torch.manual_seed(1)
    model = create_model("cnn_flat", channels=6, depth=4, norm=norm, residual=True).eval()
    x = torch.randn(3, 1, 40)
    convs = nn.Sequential(*(getattr(model, f"conv{i}") for i in range(1, 5)))
    with torch.no_grad():
        torch.testing.assert_close(
            convs(torch.roll(x, 7, -1)), torch.roll(convs(x), 7, -1), atol=1e-5, rtol=1e-5
        )


@pytest.mark.parametrize("model", ["mlp", "cnn_flat"])
def test_bad_norm_and_residual_refused(model):
    expected = "norm must be one of 'none', 'batch', 'layer'; got 'group'"
    with pytest.raises(ValueError, match=expected):
        create_model(model, norm="group")
    with pytest.raises(TypeError, match="residual must be True or False, got 'yes'"):
        create_model(model, residual="yes")
