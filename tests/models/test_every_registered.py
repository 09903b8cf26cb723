"""Every model of the zoo, taken from the registry: a model is tested the moment it is
registered (as timm parametrises its tests over ``list_models()``)."""

from __future__ import annotations

import pytest
import torch

from invlab.measure import layer_names, profile
from invlab.models import INPUTS, create_model, list_models, model_inputs, readout_input
from invlab.transforms import Shift

CASES = [(name, kind) for name in list_models() for kind in model_inputs(name)]


def test_every_model_declares_what_it_takes():
    assert len(list_models()) >= 18
    assert {kind for name in list_models() for kind in model_inputs(name)} == set(INPUTS)


@pytest.mark.parametrize(("name", "kind"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_builds_runs_forward_and_is_measured_on_its_declared_inputs(name, kind):
    shape = INPUTS[kind]
    torch.manual_seed(0)
    model = create_model(name, in_shape=shape, num_classes=3).eval()
    x = torch.randn(100, *shape)
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (100, 3) and bool(torch.isfinite(logits).all())
    names = layer_names(model)
    assert names and (readout_input(model) is None or readout_input(model) in names)
    table = profile(model, x, Shift(2, dims=len(shape) - 1), metrics=["sensitivity"], steps=3)
    measured = set(table[table.metric == "sensitivity"].layer)
    assert set(names) <= measured  # every named layer is measured


@pytest.mark.parametrize("name", [n for n in list_models() if len(model_inputs(n)) == 1])
def test_a_model_refuses_the_inputs_it_does_not_declare_with_a_clear_message(name):
    (other,) = set(INPUTS) - set(model_inputs(name))
    with pytest.raises(ValueError, match=r"in_shape|signals|images"):
        create_model(name, in_shape=INPUTS[other], num_classes=3)


def test_register_model_refuses_unknown_input_kinds():
    from invlab.models import register_model

    with pytest.raises(ValueError, match="inputs must be"):
        register_model("x", inputs=("volumes",))
