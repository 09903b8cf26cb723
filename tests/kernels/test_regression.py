"""Kernel regression as a model: fit, predict, and measured by invlab.measure."""

from __future__ import annotations

import pytest
import torch

from invlab.kernels import CNNKernel, KernelRegression, MLPKernel, symmetrize
from invlab.measure import consistency, measure
from invlab.transforms import Shift

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data(n=40, length=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, length, generator=gen)
    return x, torch.arange(n) % 3


def test_regression_interpolates_its_training_set_and_keeps_the_input_dtype():
    x, y = _data()
    model = KernelRegression(CNNKernel(2, readout="flatten"), kind="ntk", ridge=1e-10).fit(x, y)
    scores = model(x)
    assert scores.shape == (40, 3) and scores.dtype == torch.float32
    torch.testing.assert_close(scores, torch.nn.functional.one_hot(y).float(), atol=1e-4, rtol=0)
    assert model(x.double()).dtype == torch.float64
    assert model.num_classes == 3 and "n_train=40" in repr(model)


def test_regression_solves_the_ridge_system():
    x, y = _data(n=15)
    kernel = MLPKernel(2)
    model = KernelRegression(kernel, ridge=0.5).fit(x, y)
    k = kernel(x)
    lam = 0.5 * k.diagonal().mean()
    alpha = torch.linalg.solve(k + lam * torch.eye(15, dtype=k.dtype), torch.eye(3)[y].double())
    torch.testing.assert_close(model.readout.alpha, alpha, rtol=1e-9, atol=1e-12)


def test_float_targets_are_regressed_directly():
    x, _ = _data(n=10)
    targets = torch.randn(10, 2, dtype=torch.float64)
    model = KernelRegression(MLPKernel(1), ridge=1e-12).fit(x, targets)
    torch.testing.assert_close(model(x.double()), targets, atol=1e-6, rtol=0)


def test_measure_finds_the_cnn_gap_regression_exactly_consistent_and_the_mlp_not():
    x, y = _data(n=30, length=10)
    shift = Shift(shift_range=(-4, 4), mode="circular")
    gap = KernelRegression(CNNKernel(2, readout="gap")).fit(x, y)
    df = measure(gap, (x, y), shift, metrics=["consistency", "sensitivity"], steps=9)
    assert float(df[df.metric == "consistency"].value.iloc[0]) == 1.0
    assert set(df.layer) >= {"kernel", "readout"}
    sens = df[(df.metric == "sensitivity") & (df.layer == "kernel")].value.iloc[0]
    assert float(sens) <= 1e-10
    mlp = KernelRegression(MLPKernel(2)).fit(x, y)
    assert consistency(mlp, x, shift) < 1.0
    sym = KernelRegression(symmetrize(MLPKernel(2), "shift")).fit(x, y)
    assert consistency(sym, x, shift) == 1.0


def test_forward_before_fit_and_bad_targets_are_rejected():
    model = KernelRegression(MLPKernel(1))
    with pytest.raises(ValueError, match="not fitted"):
        model(torch.randn(2, 1, 8))
    x, y = _data(n=6)
    with pytest.raises(ValueError, match="y must have 6 rows"):
        model.fit(x, y[:4])
    with pytest.raises(TypeError, match=r"y must be a torch\.Tensor"):
        model.fit(x, [0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="labels y must be >= 0"):
        model.fit(x, y - 1)
    with pytest.raises(ValueError, match="trailing shape"):
        model.fit(x, y)(torch.randn(2, 1, 9))
    with pytest.raises(ValueError, match="not positive definite"):
        KernelRegression(MLPKernel(1), ridge=0.0).fit(torch.cat([x, x]), torch.cat([y, y]))
    with pytest.raises(TypeError, match=r"kernel must be an invlab\.kernels kernel"):
        KernelRegression(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="kind must be one of"):
        KernelRegression(MLPKernel(1), kind="both")
    with pytest.raises(ValueError, match="ridge must be a finite number >= 0"):
        KernelRegression(MLPKernel(1), ridge=-1.0)
