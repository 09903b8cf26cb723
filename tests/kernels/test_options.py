"""The stax hyper-parameters and computation options, declared once (kernels/stax.py, base.py):
every kernel, functional twin and finite network takes, checks and shows them alike."""

import pytest
import torch

from invlab.kernels import CNNKernel, MLPKernel, StaxCNN, StaxMLP, cnn_kernel, mlp_kernel


@pytest.mark.parametrize(
    "call",
    [
        lambda: mlp_kernel(torch.randn(3, 1, 8), depth=1, bogus=1),
        lambda: cnn_kernel(torch.randn(3, 1, 8), depth=1, bogus=1),
        lambda: StaxMLP(8, 2, width=4, bogus=1),
        lambda: StaxCNN((1, 8), 2, width=4, bogus=1),
    ],
)
def test_an_unknown_keyword_is_refused_by_name(call):
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['bogus'\]"):
        call()


def test_the_twin_gets_every_option_of_the_module():
    x = torch.randn(5, 1, 10, dtype=torch.float64)
    options = dict(w_std=1.2, b_std=0.3, activation="erf", block_size=2, dtype=torch.float32)
    module = CNNKernel(2, 3, "flatten", **options)
    twin = cnn_kernel(x, depth=2, kernel_size=3, readout="flatten", kind="ntk", **options)
    assert module(x, kind="ntk").dtype == torch.float32
    assert torch.equal(module(x, kind="ntk"), twin)
    assert torch.equal(MLPKernel(3, 0.9)(x), mlp_kernel(x, depth=3, w_std=0.9))


def test_repr_shows_the_architecture_then_the_stax_parameters():
    stax = "w_std=1.41421, b_std=0, activation='relu'"
    assert repr(MLPKernel(2)) == f"MLPKernel(depth=2, {stax})"
    assert repr(CNNKernel(2, readout="flatten")) == (
        f"CNNKernel(depth=2, kernel_size=3, readout='flatten', {stax})"
    )
    assert "StaxMLP(\n  width=8, depth=2, " + stax in repr(StaxMLP(4, 2, width=8))
    assert "width=8, depth=1, kernel_size=3, readout='gap', " + stax in repr(
        StaxCNN((1, 8), 2, width=8, depth=1)
    )
