"""Bad input to the kernels fails at the boundary with a message naming the argument."""

from __future__ import annotations

import pytest
import torch

from invlab.kernels import CNNKernel, MLPKernel, StaxCNN, StaxMLP, symmetrize


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


@pytest.mark.parametrize(
    "kernel",
    [
        MLPKernel(2),
        MLPKernel(1, activation="erf"),
        CNNKernel(2, readout="gap"),
        CNNKernel(1, readout="flatten"),
        symmetrize(MLPKernel(1), "shift"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("kind", ["nngp", "ntk", "both"])
def test_a_non_finite_kernel_is_refused_with_a_hint_to_rescale(kernel, kind):
    # x·x′ overflows float64 at this scale; today's code returned inf/NaN entries silently.
    x = torch.randn(4, 1, 8, dtype=torch.float64) * 1e200
    with pytest.raises(ValueError, match=r"not finite.*rescale the inputs"):
        kernel(x, kind=kind)
    if "erf" not in repr(kernel):  # erf saturates: its cross kernel with a normal x is finite
        with pytest.raises(ValueError, match="rescale"):
            kernel(x[:2] / 1e200, x[2:], kind=kind)


def test_a_float32_kernel_refuses_inputs_that_overflow_float32_only():
    x = torch.randn(3, 1, 8) * 1e20
    message = r"not finite in torch.float32.*largest \|x\| = [0-9.]+e\+20.*dtype=torch.float64"
    with pytest.raises(ValueError, match=message):
        MLPKernel(1, dtype=torch.float32)(x)
    assert bool(torch.isfinite(MLPKernel(1)(x)).all())  # float64 holds (1e20)² easily


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: MLPKernel(1, **kw),
        lambda **kw: CNNKernel(1, **kw),
        lambda **kw: StaxMLP(8, 2, width=4, **kw),
        lambda **kw: StaxCNN((1, 8), 2, width=4, **kw),
    ],
)
def test_every_stax_model_shares_one_check_and_one_repr_of_its_hyper_parameters(make):
    for bad, match in [
        ({"w_std": -1.0}, "w_std must be a finite number >= 0"),
        ({"b_std": float("inf")}, "b_std must be a finite number >= 0"),
        ({"activation": "tanh"}, "activation must be one of 'relu', 'erf', 'linear'"),
    ]:
        with pytest.raises(ValueError, match=match):
            make(**bad)
    assert "w_std=1.41421, b_std=0, activation='relu'" in repr(make())
    assert "w_std=1.5, b_std=0.1, activation='erf'" in repr(
        make(w_std=1.5, b_std=0.1, activation="erf")
    )


def test_the_functional_twins_are_plain_functions_equal_to_the_modules():
    import inspect

    from invlab.kernels import cnn_kernel, mlp_kernel

    x = torch.randn(5, 1, 10, dtype=torch.float64)
    assert inspect.isfunction(mlp_kernel) and inspect.isfunction(cnn_kernel)
    assert torch.equal(mlp_kernel(x, depth=2, kind="ntk"), MLPKernel(2)(x, kind="ntk"))
    got = cnn_kernel(x, x[:2], depth=2, readout="flatten", b_std=0.3, kind="ntk")
    assert torch.equal(got, CNNKernel(2, readout="flatten", b_std=0.3)(x, x[:2], kind="ntk"))
    with pytest.raises(ValueError, match="depth must be >= 1"):
        mlp_kernel(x, depth=0)
    with pytest.raises(ValueError, match="shorter than kernel_size=3"):
        cnn_kernel(torch.randn(2, 1, 2), depth=1)
