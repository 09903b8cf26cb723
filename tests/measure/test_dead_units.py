"""Dead ReLU units: counted per layer, exactly the units that are zero on every input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from invlab.measure import dead_units, forward_layers
from invlab.models import create_model
from invlab.models.staged import Staged


def test_units_forced_dead_are_counted_and_no_others():
    torch.manual_seed(0)
    model = create_model("mlp", in_shape=(1, 12), num_classes=3, width=20, depth=2)
    with torch.no_grad():  # a bias far below any pre-activation kills a unit
        model.hidden1[0].bias[[1, 4, 7]] = -1e3
        model.hidden2[0].bias[[0, 19]] = -1e3
    x = torch.randn(64, 1, 12)
    counts = dead_units(model, x)
    assert list(counts) == ["hidden1", "hidden2"]  # flatten and logits hold no ReLU
    _, acts = forward_layers(model.eval(), x, ["hidden1", "hidden2"])
    for layer, (dead, units) in counts.items():
        assert units == 20
        assert dead == int((acts[layer].amax(0) == 0).sum())  # the definition, directly
    assert counts["hidden1"][0] >= 3 and counts["hidden2"][0] >= 2


def test_a_conv_unit_is_one_channel_at_one_position():
    conv = nn.Conv1d(1, 3, 3, padding=1)
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.copy_(torch.tensor([1.0, -1.0, 1.0]))  # channel 1 dead at all 10 positions
    model = Staged(conv1=nn.Sequential(conv, nn.ReLU()), flatten=nn.Flatten())
    assert dead_units(model, torch.randn(5, 1, 10)) == {"conv1": (10, 30)}


def test_one_input_that_fires_a_unit_keeps_it_alive():
    model = Staged(hidden1=nn.Sequential(nn.Linear(1, 1), nn.ReLU()))
    with torch.no_grad():
        model.hidden1[0].weight.fill_(1.0)
        model.hidden1[0].bias.zero_()
    # batch_size 1: the unit fires only in the last batch, and the count must remember it
    x = torch.tensor([[-1.0], [-2.0], [3.0]])
    assert dead_units(model, x, batch_size=1) == {"hidden1": (0, 1)}
    assert dead_units(model, x[:2], batch_size=1) == {"hidden1": (1, 1)}


def test_evaluation_mode_and_the_mode_given_back():
    model = create_model("mlp", in_shape=(1, 8), num_classes=2, width=6, depth=1, norm="batch")
    model.train()
    before = model.hidden1[1].running_mean.clone()
    dead_units(model, torch.randn(16, 1, 8))
    assert model.training
    assert torch.equal(model.hidden1[1].running_mean, before)  # no statistics updated


@pytest.mark.parametrize(
    "x, error, match",
    [
        (torch.zeros(0, 1, 8), ValueError, "x is empty"),
        (torch.full((2, 1, 8), float("nan")), ValueError, "x"),
        (torch.zeros(8), ValueError, "x"),
    ],
)
def test_bad_inputs_refused(x, error, match):
    model = create_model("mlp", in_shape=(1, 8), num_classes=2, width=4, depth=1)
    with pytest.raises(error, match=match):
        dead_units(model, x)


def test_not_a_module_refused():
    with pytest.raises(TypeError, match=r"model must be an nn\.Module"):
        dead_units(lambda x: x, torch.zeros(2, 1, 8))


class _SharedRelu(nn.Module):
    """One ReLU applied to two inputs of different sizes in one forward (as a multi-scale
    network applies a shared stage to each pyramid level)."""

    def __init__(self):
        super().__init__()
        self.act = nn.ReLU()

    def forward(self, x):
        return torch.cat([self.act(x), self.act(x[:, :2] - 5.0)], dim=1)


def test_a_relu_called_twice_counts_the_units_of_each_call():
    x = torch.randn(32, 4)
    x[:, 1] = -x[:, 1].abs()  # unit 1 of the first call never fires
    # second call: x[:, :2] - 5 is negative on these inputs, so both of its units are dead
    x[:, :2] = x[:, :2].clamp(max=4.0)
    counts = dead_units(_SharedRelu(), x)
    assert counts == {"act": (1 + 2, 4 + 2)}


def test_the_multi_resolution_cnn_is_counted_level_by_level():
    torch.manual_seed(0)
    model = create_model("pyramid_cnn", in_shape=(1, 16, 16), num_classes=3)
    counts = dead_units(model, torch.randn(8, 1, 16, 16))
    assert counts and all(0 <= dead <= units for dead, units in counts.values())
