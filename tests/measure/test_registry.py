"""The metrics' registry: every registered metric follows the accumulator protocol and is
measured by name; a metric registered from outside is measured with no other edit."""

import pytest
import torch
from torch import nn

from invlab.measure import compute_profile
from invlab.measure.activations import OUTPUT
from invlab.measure.metrics import registry
from invlab.measure.metrics.protocol import Accumulator, Metric
from invlab.models import create_model
from invlab.transforms import Shift


def model_and_data():
    torch.manual_seed(0)
    model = create_model("cnn", in_shape=(1, 16), channels=3, depth=1)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(100, 1, 16, generator=gen)
    return model, (x, torch.randint(0, 10, (100,), generator=gen))


@pytest.mark.parametrize("name", registry.METRICS)
def test_every_registered_metric_builds_protocol_accumulators_and_fills_its_field(name):
    model, data = model_and_data()
    spec = registry.REGISTRY[name]
    built = []
    original = spec.build

    def spy(setup):
        accumulators = original(setup)
        built.extend(accumulators.values())
        return accumulators

    object.__setattr__(spec, "build", spy)  # the record is frozen; restored below
    try:
        result = compute_profile(model, data, Shift(4), metrics=[name], steps=3)
    finally:
        object.__setattr__(spec, "build", original)
    assert built and all(isinstance(a, Accumulator) for a in built)
    assert all(a.feed in ("trajectories", "model") for a in built)
    value = getattr(result, spec.field)
    if spec.per_layer:  # one result per accumulator, each at a measured layer
        assert len(value) == len(built) and set(value) <= set(result.layers)
    else:
        assert len(built) == 1 and value is not None and not (isinstance(value, dict) and not value)


class MeanOutput:
    """A toy model-level metric: ``E_{x, θ} mean_j f(g_θ x)_j`` over the grid."""

    first_pass = False
    feed = "trajectories"

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, view):
        moved = view.outputs()[1]  # (b, T, classes)
        self.total += float(moved.double().sum())
        self.count += moved.numel()

    def result(self):
        return self.total / self.count


def test_a_registered_metric_is_measured_by_name_with_the_reference_value(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))
    monkeypatch.setattr("invlab.measure.profiling.REGISTRY", registry.REGISTRY)
    rows = lambda value, profile: [(OUTPUT, "mean_output", None, value)]  # noqa: E731
    build = lambda setup: {OUTPUT: MeanOutput()}  # noqa: E731
    registry.register(Metric("mean_output", build, "mean_output", per_layer=False, rows=rows))
    model, (x, y) = model_and_data()
    result = compute_profile(model, (x, y), Shift(4), metrics=["mean_output"], steps=3)
    grid = Shift(4).grid(3).float()
    with torch.no_grad():  # compute_profile measures in eval mode (batch norm's running stats)
        model.eval()
        moved = [model(Shift(4).apply(x, theta)) for theta in grid]
    expected = float(torch.stack(moved).double().mean())
    assert result.mean_output == pytest.approx(expected, rel=1e-6)
    table = result.to_frame("m")  # its rows reach the tidy table too
    assert table.query("metric == 'mean_output'").value.tolist() == [result.mean_output]
    assert "mean_output" not in registry.METRICS  # the built-in list is unchanged


def test_register_refuses_a_taken_name_and_a_non_record():
    with pytest.raises(ValueError, match="'sensitivity' is already registered"):
        registry.register(registry.REGISTRY["sensitivity"])
    with pytest.raises(TypeError, match="Metric record"):
        registry.register(nn.Identity())


def test_an_unknown_metric_names_the_registered_ones():
    model, data = model_and_data()
    with pytest.raises(ValueError, match="goodfellow"):
        compute_profile(model, data, Shift(4), metrics=["nope"])
