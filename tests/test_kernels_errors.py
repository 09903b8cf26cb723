"""Bad input to the kernels fails at the boundary with a message naming the argument."""

from __future__ import annotations

import pytest
import torch

from invlab.kernels import CNNKernel, MLPKernel, symmetrize


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: MLPKernel(0), ValueError, "depth must be >= 1"),
        (lambda: CNNKernel(0), ValueError, "depth must be >= 1"),
        (lambda: MLPKernel(2.0), TypeError, "depth must be an int"),
        (lambda: MLPKernel(2, w_std=-1.0), ValueError, "w_std must be a finite number >= 0"),
        (lambda: CNNKernel(2, b_std=-0.1), ValueError, "b_std must be a finite number >= 0"),
        (lambda: CNNKernel(2, w_std=float("nan")), ValueError, "w_std"),
        (lambda: CNNKernel(2, readout="max"), ValueError, "readout must be one of"),
        (lambda: CNNKernel(2, kernel_size=0), ValueError, "kernel_size must be >= 1"),
        (lambda: MLPKernel(2, activation="tanh"), ValueError, "activation must be one of"),
        (lambda: MLPKernel(2, block_size=0), ValueError, "block_size must be >= 1"),
        (lambda: MLPKernel(2, threads=0), ValueError, "threads must be >= 1"),
        (lambda: MLPKernel(2, dtype=torch.int64), TypeError, "dtype must be"),
        (lambda: symmetrize(MLPKernel(1), "C3"), ValueError, "group must be one of"),
        (lambda: symmetrize(lambda a, b: a, "C4"), TypeError, "kernel must be"),
    ],
)
def test_bad_parameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("x1", "x2", "error", "match"),
    [
        (torch.randn(3, 1, 8), torch.randn(2, 1, 9), ValueError, "same trailing shape"),
        (torch.randn(3, 1, 8), torch.randn(2, 2, 8), ValueError, "same trailing shape"),
        (torch.randn(3, 1, 2), None, ValueError, "shorter than kernel_size=3"),
        (torch.randn(3, 1, 8, 2), None, ValueError, "shorter than kernel_size=3"),
        (torch.randn(3, 8), None, ValueError, r"\(n, C, N\) signals or \(n, C, H, W\)"),
        (torch.ones(3, 1, 8, dtype=torch.int64), None, TypeError, "x1 must have a floating"),
        (torch.randn(3, 1, 8), torch.ones(3, 1, 8, dtype=torch.int64), TypeError, "x2 must"),
        (torch.full((3, 1, 8), float("nan")), None, ValueError, "x1 contains NaN"),
        (torch.randn(3, 1, 8), torch.full((3, 1, 8), float("inf")), ValueError, "x2 contains"),
        (torch.randn(0, 1, 8), None, ValueError, "x1 is empty"),
        ([[1.0, 2.0]], None, TypeError, "x1 must be a torch.Tensor"),
    ],
)
def test_bad_inputs_to_the_cnn_kernel(x1, x2, error, match):
    with pytest.raises(error, match=match):
        CNNKernel(2)(x1, x2)


def test_bad_inputs_to_the_mlp_kernel():
    k = MLPKernel(2)
    with pytest.raises(ValueError, match="same trailing shape"):
        k(torch.randn(3, 8), torch.randn(3, 9))
    with pytest.raises(ValueError, match="at least 2 dimension"):
        k(torch.randn(8))
    with pytest.raises(ValueError, match="kind must be one of"):
        k(torch.randn(3, 8), kind="gp")
    with pytest.raises(TypeError, match="x1 must be real"):
        k(torch.randn(3, 8, dtype=torch.complex64))


def test_bad_groups():
    with pytest.raises(ValueError, match="needs square images"):
        symmetrize(MLPKernel(1), "C4")(torch.randn(2, 1, 4, 5))
    with pytest.raises(ValueError, match="acts on images"):
        symmetrize(MLPKernel(1), "D4")(torch.randn(2, 8))
    from invlab.transforms import Shift

    with pytest.raises(ValueError, match="pass steps="):
        symmetrize(MLPKernel(1), Shift(3))(torch.randn(2, 1, 8))
    with pytest.raises(TypeError, match="group must be a name"):
        symmetrize(MLPKernel(1), 3)(torch.randn(2, 1, 8))
