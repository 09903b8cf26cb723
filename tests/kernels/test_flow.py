"""Kernel gradient flow: ``KernelRegression.fit(..., time=τ)`` is the NTK-linearised network
after training time ``τ`` on ``(1/2n) Σ ‖f(xᵢ) − yᵢ‖²`` from ``f₀ = 0``."""

from __future__ import annotations

import pytest
import torch

from invlab.kernels import CNNKernel, KernelRegression, MLPKernel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(30, 1, 12, generator=gen, dtype=torch.float64)
    return x[:20], torch.arange(20) % 3, x[20:]


@pytest.mark.parametrize("kernel", [MLPKernel(2), CNNKernel(1, readout="flatten")], ids=repr)
def test_long_training_time_gives_the_converged_kernel_regression(kernel):
    x, y, test = _data()
    converged = KernelRegression(kernel, kind="ntk", ridge=1e-3).fit(x, y)
    flowed = KernelRegression(kernel, kind="ntk", ridge=1e-3).fit(x, y, time=1e12)
    torch.testing.assert_close(flowed(test), converged(test), rtol=1e-9, atol=1e-9)
    assert "time=1e+12" in repr(flowed)


def test_time_zero_predicts_zero_and_a_short_time_predicts_tau_over_n_times_the_kernel():
    x, y, test = _data()
    model = KernelRegression(MLPKernel(2), kind="ntk", ridge=0.0)
    assert torch.equal(model.fit(x, y, time=0.0)(test), torch.zeros(10, 3, dtype=torch.float64))
    # For small τ: f_τ(x) = Θ(x, X) (τ/n) Y + O(τ²).
    tau = 1e-6
    first_order = MLPKernel(2)(test, x, kind="ntk") @ torch.nn.functional.one_hot(y).double()
    torch.testing.assert_close(
        model.fit(x, y, time=tau)(test), first_order * tau / 20, rtol=1e-5, atol=0
    )


def test_the_flow_agrees_with_explicit_euler_gradient_descent_on_the_kernel_model():
    # Gradient descent on α with f = Θ(·, X) α: F ← F − (η/n) Θ (F − Y) in function space, i.e.
    # α ← α − (η/n)(Θα − Y), to the same τ = η·steps = 2n/μ_max. Explicit Euler is first order:
    # with η·μ_max/n = 0.005 the relative difference is 7.5e-4 here (tolerance 2e-3), and it
    # halves when η halves; the flow is far (50 %) from the converged regression at this τ.
    x, y, test = _data()
    kernel = MLPKernel(2)
    theta = kernel(x, kind="ntk")
    targets = torch.nn.functional.one_hot(y).double()
    n, top = len(x), float(torch.linalg.eigvalsh(theta)[-1])
    features = kernel(test, x, kind="ntk")
    flow = KernelRegression(kernel, kind="ntk", ridge=0.0).fit(x, y, time=2 * n / top)(test)
    errors = []
    for fraction in (0.005, 0.0025):
        eta = fraction * n / top
        alpha = torch.zeros(n, 3, dtype=torch.float64)
        for _ in range(round(2 / fraction)):
            alpha -= eta / n * (theta @ alpha - targets)
        euler = features @ alpha
        errors.append(float((flow - euler).norm() / euler.norm()))
    assert errors[0] < 2e-3
    assert 0.4 < errors[1] / errors[0] < 0.6  # first order in η: Euler converges to the flow
    converged = KernelRegression(kernel, kind="ntk", ridge=1e-10).fit(x, y)(test)
    assert float((flow - converged).norm() / converged.norm()) > 0.1


def test_bad_times_and_grams_are_refused():
    x, y, _ = _data()
    model = KernelRegression(MLPKernel(1), kind="ntk")
    with pytest.raises(ValueError, match="time must be a finite number >= 0, got -1"):
        model.fit(x, y, time=-1.0)
    with pytest.raises(ValueError, match="time must be a finite number >= 0, got inf"):
        model.fit(x, y, time=float("inf"))
    with pytest.raises(ValueError, match=r"gram must be K\(x, x\), \(20, 20\), got \(20, 19\)"):
        model.fit(x, y, gram=torch.zeros(20, 19))


def test_a_precomputed_gram_gives_the_same_model():
    x, y, test = _data()
    kernel = CNNKernel(1)
    plain = KernelRegression(kernel, kind="nngp").fit(x, y)
    gram = KernelRegression(kernel, kind="nngp").fit(x, y, gram=kernel(x))
    assert torch.equal(plain(test), gram(test))
