"""The experiment functions for the infinite-width and learn-dft studies."""

from __future__ import annotations

import math

import pytest
import torch

from invlab.data.variants import shift_augment
from invlab.kernels import CNNKernel, KernelRegression, MLPKernel, StaxCNN, StaxMLP
from invlab.measure import accuracy_along, consistency
from invlab.study.runs.dft_fit import dft_matrix, fit_linear_dft, frequency_errors
from invlab.transforms import Shift

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_finite_networks_at_initialisation_have_the_kernels_covariance():
    # 300 nets of width 256, one hidden layer (unbiased): within 5 standard errors.
    torch.manual_seed(0)
    x = torch.randn(3, 1, 8, dtype=torch.float64)
    for make, kernel in [
        (lambda: StaxMLP(8, 1, width=256, depth=1, b_std=0.2), MLPKernel(1, b_std=0.2)),
        (lambda: StaxCNN((1, 8), 1, width=256, depth=1, readout="gap"), CNNKernel(1)),
    ]:
        outs = torch.stack([make().double()(x)[:, 0].detach() for _ in range(300)])
        prods = outs[:, :, None] * outs[:, None, :]
        se = prods.std(0) / math.sqrt(300)
        assert float(((prods.mean(0) - kernel(x)).abs() - 5 * se).max()) <= 0


def test_gap_kernel_regression_is_exactly_consistent_and_the_mlp_is_not():
    # KernelRegression measured by invlab.measure (Zhang's consistency over the shift grid).
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(40, 1, 12, generator=gen), torch.arange(40) % 2
    shift = Shift(3)
    gap = KernelRegression(CNNKernel(1)).fit(x[:30], y[:30])
    assert consistency(gap, x[30:], shift) == 1.0
    along = accuracy_along(gap, (x[30:], y[30:]), shift)
    assert along["accuracy"].nunique() == 1  # the same accuracy at every shift of the grid
    mlp = KernelRegression(MLPKernel(1)).fit(x[:30], y[:30])
    assert consistency(mlp, x[30:], shift) < 1.0
    xa, ya = shift_augment(x[:30], y[:30], range(-3, 4))
    assert xa.shape == (210, 1, 12) and torch.equal(xa[30:60], torch.roll(x[:30], -2, -1))
    assert torch.equal(ya[:30], y[:30])


def test_a_linear_layer_trained_on_white_noise_finds_the_dft_matrix():
    x = torch.randn(512, 8, generator=torch.Generator().manual_seed(2))
    X = torch.fft.fft(x)
    expected = torch.cat([X.real, X.imag], 1)
    torch.testing.assert_close(x @ dft_matrix(8).T, expected, atol=1e-4, rtol=0)
    layer, report = fit_linear_dft(x, steps=100)
    assert report["weight_error"] < 1e-4 and report["fit_error"] < 1e-8
    assert float(frequency_errors(layer.weight).max()) < 1e-4
    assert float(frequency_errors(dft_matrix(8, torch.float64)).max()) == 0.0


def test_on_smooth_signals_only_the_low_frequencies_are_learned():
    # Signals with energy only at frequencies 0-2 (of 0-8): the others keep their random start.
    gen = torch.Generator().manual_seed(3)
    spec = torch.zeros(512, 9, dtype=torch.complex64)
    spec[:, :3] = torch.randn(512, 3, dtype=torch.complex64, generator=gen)
    x = torch.fft.irfft(spec, n=16)
    layer, report = fit_linear_dft(x, steps=300, lr=2.0)
    err = frequency_errors(layer.weight)
    assert report["fit_error"] < 1e-4
    assert err.shape == (9,)
    assert float(err[:3].max()) < 1e-3 and float(err[3:].min()) > 0.5
