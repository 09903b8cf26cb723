"""One name, one estimand: ``consistency`` is Zhang's P[argmax f(g₁x) = argmax f(g₂x)] over the
run's grid, ``sensitivity`` is read at the input of the read-out, and both are what the train
and kernel runs store, computed here by hand from the model itself."""

from __future__ import annotations

import math

import pytest
import torch

from invlab.data import mnist1d
from invlab.kernels import CNNKernel, KernelRegression
from invlab.models import create_model, readout_input
from invlab.study import RunConfig
from invlab.study.runs import execute_run
from invlab.study.runs.common import dataset, train_as_configured
from invlab.train import seeded
from invlab.transforms import Shift


def _zhang_by_hand(predict, x: torch.Tensor, transform, steps: int) -> float:
    """Mean over inputs of the share of the T² ordered grid pairs (g₁, g₂) whose predicted
    classes agree, counted pair by pair."""
    grid = transform.grid(steps)
    with torch.no_grad():
        classes = torch.stack([predict(transform.apply(x, theta)).argmax(1) for theta in grid])
    t = len(grid)
    agree = sum(int((classes[i] == classes[j]).sum()) for i in range(t) for j in range(t))
    return agree / (t * t * x.shape[0])


def test_a_train_run_stores_zhangs_consistency_of_its_model(one_torch_thread):
    config = RunConfig(
        dataset="mnist1d",
        model="mlp",
        size={"width": 16, "depth": 1},
        epochs=2,
        transform="shift:-6:6",
        steps=5,
        measure_inputs=120,
        metrics=("consistency", "accuracy", "sensitivity"),
    )
    stored = execute_run(config).metrics
    ds = dataset("mnist1d")
    model = seeded(
        lambda: create_model("mlp", in_shape=ds.in_shape, num_classes=10, width=16, depth=1), 0
    )
    train_as_configured(model, config, ds)
    expected = _zhang_by_hand(model, ds.x_test[:120], Shift(6), 5)
    assert stored.consistency == pytest.approx(expected, abs=1e-12)
    assert stored.grid == "shift:-6:6 × 5"
    assert stored.probe_layer == readout_input(model) == "hidden1"


def test_a_kernel_run_stores_zhangs_consistency_of_its_kernel_regressor():
    size = {"depth": 1, "readout": "flatten", "n_train": 60, "n_test": 40}
    config = RunConfig(
        dataset="mnist1d", model="cnn", kind="kernel", size=size, transform="shift:-8:8", steps=5
    )
    stored = execute_run(config).metrics
    ds = mnist1d()
    regressor = KernelRegression(CNNKernel(1, readout="flatten"), kind="ntk", ridge=1e-4)
    regressor.fit(ds.x_train[:60], ds.y_train[:60])
    expected = _zhang_by_hand(regressor, ds.x_test[:40], Shift(8), 5)
    assert 0.0 < expected < 1.0  # a case where the estimator has something to say
    assert stored.consistency == pytest.approx(expected, abs=1e-12)
    assert stored.grid == "shift:-8:8 × 5"


def test_kernel_sensitivity_is_that_of_explicit_features():
    """A kernel k(x, y) = ⟨φ(x), φ(y)⟩ with known φ gives the features' sensitivity."""
    from invlab.study.runs.predictions import feature_sensitivity, kernel_sensitivity

    weights = torch.randn(7, 10, dtype=torch.float64)

    def phi(x):
        return torch.relu(x.flatten(1).double() @ weights.T)

    def kernel(a, b=None):
        return phi(a) @ phi(a if b is None else b).T

    config = RunConfig(dataset="mnist1d", model="mlp", transform="shift:-3:3", steps=4)
    x = torch.randn(30, 1, 10)
    from invlab.study.runs.predictions import along_grid

    expected = feature_sensitivity(phi(x), phi(along_grid(config, x)))
    assert kernel_sensitivity(kernel, config, x) == pytest.approx(expected, rel=1e-9)
    assert expected > 0.01


def test_wrappers_without_a_read_out_layer_store_no_layer_values(one_torch_thread):
    config = RunConfig(
        dataset="mnist1d",
        model="symmetric",
        size={"base": "mlp", "group": "shifts", "width": 8, "depth": 1},
        epochs=1,
        steps=3,
        measure_inputs=100,
    )
    metrics = execute_run(config).metrics
    assert metrics.probe_layer == ""
    assert math.isnan(metrics.sensitivity) and math.isnan(metrics.goodfellow)
    assert 0.0 <= metrics.consistency <= 1.0
