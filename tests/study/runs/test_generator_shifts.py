"""Studies measured along MNIST-1D's own shifts (``[measure] shifts = ["generator"]``)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from invlab.data.mnist1d_shifts import generator_shifted_test
from invlab.study.runs.common import dataset, measure_trained
from invlab.study.spec import SpecError, load_builtin, parse_spec
from invlab.study.spec.run_config import RunConfig
from invlab.train.loop import TrainResult


def _spec(**measure) -> dict:
    return {
        "name": "s",
        "datasets": ["mnist1d"],
        "measure": {"transforms": ["shift:-10:10"], "steps": 5, **measure},
        "models": [{"name": "mlp", "grid": {"width": 8, "depth": 1}}],
    }


def test_shifts_axis_gives_one_run_per_shift_source_and_keeps_old_keys():
    spec = parse_spec(_spec(shifts=["circular", "generator"]))
    assert [r.shifts for r in spec.runs] == ["circular", "generator"]
    circular, generator = spec.runs
    assert circular.key() == parse_spec(_spec()).runs[0].key()  # the default is not in the key
    assert "shifts" not in circular.as_dict() and generator.as_dict()["shifts"] == "generator"
    assert generator.label().endswith("@generator shifts")
    assert generator.group_key() != circular.group_key()
    shipped = load_builtin("mnist1d-shifts")
    assert len(shipped.runs) == 24 and {r.shifts for r in shipped.runs} == {"circular", "generator"}


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"datasets": ["digits"]}, "regenerates MNIST-1D"),
        ({"measure": {"transforms": ["flip"], "shifts": ["generator"]}}, "needs shift transforms"),
        ({"measure": {"shifts": ["rolled"]}}, "circular"),
    ],
)
def test_generator_shifts_are_refused_where_they_cannot_apply(edit, message):
    data = {**_spec(shifts=["generator"]), **edit}
    with pytest.raises(SpecError, match=message):
        parse_spec(data)
    with pytest.raises(ValueError, match="shifts must be one of circular, generator"):
        RunConfig(dataset="mnist1d", model="mlp", shifts="roll")


class Constant(nn.Module):
    """Always class 3: invariant to anything, right exactly on the 3s."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        return (self.bias + torch.nn.functional.one_hot(torch.tensor(3), 10)).expand(len(x), 10)


class MiddleSample(nn.Module):
    """Reads the middle sample of the signal only, where the template moves. (The first
    sample would not do: it is noise and ramp, which a generator shift leaves in place.)"""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 10)
        with torch.no_grad():
            self.linear.weight.copy_(torch.linspace(-3, 3, 10)[:, None])
            self.linear.bias.zero_()

    def forward(self, x):
        return self.linear(x[..., 0, 20:21])


def _measure(model: nn.Module, inputs: int = 300):
    config = RunConfig(
        dataset="mnist1d",
        model="mlp",
        transform="shift:-10:10",
        steps=5,
        shifts="generator",
        metrics=("consistency", "accuracy"),
    )
    result = TrainResult(losses=[0.5], train_accuracy=0.1, seconds=0.0)
    return measure_trained(model, config, dataset("mnist1d"), result, 0.0, inputs)


def test_generator_run_measures_along_the_regenerated_test_sets():
    constant = _measure(Constant())
    ds = dataset("mnist1d")
    share_of_3 = float((ds.y_test[:300] == 3).double().mean())
    m = constant.metrics
    assert m.consistency == 1.0 and m.transformed_accuracy == pytest.approx(share_of_3)
    assert (m.test_points, m.measured_points) == (1000, 300)
    assert [p["param"] for p in constant.curve] == [-10.0, -5.0, 0.0, 5.0, 10.0]
    assert m.grid.endswith("(generator)") and m.sensitivity != m.sensitivity  # NaN: not measured

    moved = _measure(MiddleSample())
    x, y = generator_shifted_test([-10, -5, 0, 5, 10])
    labels = MiddleSample()(x[:, :300].flatten(0, 1)).argmax(1).reshape(5, 300)
    expected = ((labels == y[:300]).double().mean(1)).tolist()
    assert [p["accuracy"] for p in moved.curve] == pytest.approx(expected)
    pairs = (labels[:, None] == labels[None]).double().mean((0, 1))  # per input, all grid pairs
    assert moved.metrics.consistency == pytest.approx(float(pairs.mean()))
    assert moved.metrics.consistency < 0.9
