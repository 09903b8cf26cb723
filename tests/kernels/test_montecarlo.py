"""The kernels are the covariance of wide random networks: Monte-Carlo checks.

Each test draws ``M`` random networks of width ``n`` in the same ("NTK") parameterisation and
averages, per net, the exact conditional expectation over the last dense layer (for the NNGP,
``E[f(x) f(x′) | features] = σ_w² ⟨φ(h(x)), φ(h(x′))⟩ / n + σ_b²``), or the empirical NTK
``Σ_θ ∂f(x)/∂θ · ∂f(x′)/∂θ`` from autograd. The estimate's standard error ``se`` is measured
from the ``M`` per-net values; a test passes when every entry is within ``5·se`` of the kernel
(a false alarm has probability < 1e-5 per entry for a Gaussian mean) plus, for networks with
two hidden layers, a finite-width allowance: their covariance differs from the limit by
O(1/n) (the second layer's pre-activations are only Gaussian as n → ∞); ``2/n`` relative is
what this bias stays under here. With one hidden layer the estimate is unbiased at any width.
Seeds are fixed, so the tests are deterministic.

What they can catch (measured): with one hidden layer ``se`` is ~0.4 % of the kernel, so a 1 %
error in ``σ_w`` (2 % in ``K``) is 14 standard errors off; with two hidden layers ``se`` is ~1 %
and the tests catch structural errors (flatten for GAP: > 50 standard errors), not 2 % ones.
"""

from __future__ import annotations

import math

import pytest
import torch

from invlab.kernels import CNNKernel, MLPKernel

W_STD, B_STD = 1.4, 0.3


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _check(samples: torch.Tensor, exact: torch.Tensor, width: int, depth: int) -> None:
    mean = samples.mean(0)
    se = samples.std(0) / math.sqrt(samples.shape[0])
    allowance = 0.0 if depth == 1 else 2.0 / width * exact.abs()
    excess = (mean - exact).abs() - 5 * se - allowance
    assert float(excess.max()) <= 0, (
        f"Monte-Carlo estimate off by {float((mean - exact).abs().max()):.3g} "
        f"(largest 5·se {float(5 * se.max()):.3g})"
    )


def _mlp_features(x, depth, width, nets, gen):
    """Post-activation features of the last hidden layer: ``(nets, n_inputs, width)``."""
    h = x.reshape(x.shape[0], -1)
    h = h.expand(nets, *h.shape)
    for _ in range(depth):
        fan_in = h.shape[-1]
        w = torch.randn(nets, fan_in, width, generator=gen, dtype=x.dtype)
        b = torch.randn(nets, 1, width, generator=gen, dtype=x.dtype)
        h = torch.relu(W_STD / math.sqrt(fan_in) * h @ w + B_STD * b)
    return h


def _nngp_samples(features: torch.Tensor) -> torch.Tensor:
    """Per net: ``E[f f′ | features]`` of the final dense layer, ``(nets, n, n)``."""
    width = features.shape[-1]
    return W_STD**2 * features @ features.transpose(1, 2) / width + B_STD**2


@pytest.mark.parametrize(("depth", "width", "nets"), [(1, 512, 1000), (2, 256, 400)])
def test_mlp_nngp_is_the_covariance_of_wide_random_mlps(depth, width, nets):
    gen = torch.Generator().manual_seed(depth)
    x = torch.randn(5, 1, 12, generator=gen, dtype=torch.float64)
    samples = torch.cat(
        [_nngp_samples(_mlp_features(x, depth, width, 100, gen)) for _ in range(nets // 100)]
    )
    exact = MLPKernel(depth, W_STD, B_STD)(x)
    _check(samples, exact, width, depth)


def _cnn_features(x, depth, width, nets, gen, k=3):
    """Feature maps of the last conv layer: ``(nets, n_inputs, width, N)`` (circular)."""
    h = x.expand(nets, *x.shape)  # (nets, n, C, N)
    for _ in range(depth):
        c_in = h.shape[2]
        w = torch.randn(nets, width, c_in, k, generator=gen, dtype=x.dtype)
        b = torch.randn(nets, 1, width, 1, generator=gen, dtype=x.dtype)
        patches = torch.cat([h[..., -1:], h, h[..., :1]], -1).unfold(-1, k, 1)  # (.., C, N, k)
        pre = torch.einsum("mncik,mock->mnoi", patches, w)
        h = torch.relu(W_STD / math.sqrt(c_in * k) * pre + B_STD * b)
    return h


@pytest.mark.parametrize("readout", ["gap", "flatten"])
@pytest.mark.parametrize(("depth", "width", "nets"), [(1, 256, 1000), (2, 128, 300)])
def test_cnn_nngp_is_the_covariance_of_wide_random_cnns(readout, depth, width, nets):
    gen = torch.Generator().manual_seed(10 + depth)
    x = torch.randn(4, 2, 7, generator=gen, dtype=torch.float64)
    chunks = []
    for _ in range(nets // 100):
        h = _cnn_features(x, depth, width, 100, gen)
        feats = h.mean(-1) if readout == "gap" else h.flatten(2)
        chunks.append(_nngp_samples(feats))
    exact = CNNKernel(depth, 3, readout, W_STD, B_STD)(x)
    _check(torch.cat(chunks), exact, width, depth)


def _empirical_ntk(forward, params, x):
    """``Σ_θ ∂f(x_a)/∂θ ∂f(x_b)/∂θ`` per net; ``forward`` gives ``(nets, n_inputs)``."""
    out = forward(params, x)
    grads = []
    for a in range(x.shape[0]):
        g = torch.autograd.grad(out[:, a].sum(), params, retain_graph=True)
        grads.append(torch.cat([t.reshape(t.shape[0], -1) for t in g], 1))
    jac = torch.stack(grads, 1)  # (nets, n_inputs, n_params)
    return jac @ jac.transpose(1, 2)


def test_mlp_ntk_is_the_mean_empirical_ntk_of_wide_random_mlps():
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(4, 1, 10, generator=gen, dtype=torch.float64)
    nets, width, d = 1000, 256, 10

    def forward(params, x):
        u, b1, v, b2 = params
        h = torch.relu(W_STD / math.sqrt(d) * x.reshape(1, -1, d) @ u + B_STD * b1)
        return (W_STD / math.sqrt(width) * h @ v + B_STD * b2).squeeze(-1)

    shapes = [(nets, d, width), (nets, 1, width), (nets, width, 1), (nets, 1, 1)]
    params = [torch.randn(s, generator=gen, dtype=x.dtype).requires_grad_() for s in shapes]
    samples = _empirical_ntk(forward, params, x)
    _check(samples, MLPKernel(1, W_STD, B_STD)(x, kind="ntk"), width, 1)


def test_cnn_gap_ntk_is_the_mean_empirical_ntk_of_wide_random_cnns():
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(4, 1, 6, generator=gen, dtype=torch.float64)
    nets, width, k = 1000, 128, 3

    def forward(params, x):
        w, b1, v, b2 = params
        patches = torch.cat([x[..., -1:], x, x[..., :1]], -1).unfold(-1, k, 1)  # (n, C, N, k)
        pre = torch.einsum("ncik,mock->mnoi", patches, w) / math.sqrt(k)
        h = torch.relu(W_STD * pre + B_STD * b1).mean(-1)  # GAP: (nets, n, width)
        return (W_STD / math.sqrt(width) * h @ v + B_STD * b2).squeeze(-1)

    shapes = [(nets, width, 1, k), (nets, 1, width, 1), (nets, width, 1), (nets, 1, 1)]
    params = [torch.randn(s, generator=gen, dtype=x.dtype).requires_grad_() for s in shapes]
    samples = _empirical_ntk(forward, params, x)
    _check(samples, CNNKernel(1, k, "gap", W_STD, B_STD)(x, kind="ntk"), width, 1)
