"""Properties of the infinite-width kernels: PSD, what they are invariant to, symmetrisation."""

from __future__ import annotations

import pytest
import torch

from invlab.kernels import CNNKernel, MLPKernel, cnn_kernel, mlp_kernel, symmetrize
from invlab.transforms import Shift


def _signals(n=6, c=2, length=10, seed=0):
    return torch.randn(n, c, length, generator=torch.Generator().manual_seed(seed))


def _images(n=4, c=1, size=6, seed=0):
    return torch.randn(n, c, size, size, generator=torch.Generator().manual_seed(seed))


KERNELS = [
    MLPKernel(3),
    MLPKernel(2, activation="erf", b_std=0.2),
    CNNKernel(3, readout="gap"),
    CNNKernel(3, readout="flatten", kernel_size=5),
]


@pytest.mark.parametrize("kernel", KERNELS, ids=repr)
@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_kernel_matrices_are_symmetric_positive_semidefinite(kernel, kind):
    x = _signals(n=12)
    k = kernel(x, kind=kind)
    assert k.dtype == torch.float64
    torch.testing.assert_close(k, k.T, rtol=0, atol=1e-12)
    eig = torch.linalg.eigvalsh(k)
    assert float(eig.min()) >= -1e-10 * float(eig.max())


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
@pytest.mark.parametrize("make", [_signals, _images], ids=["1d", "2d"])
def test_cnn_gap_kernel_ignores_circular_shifts_of_either_argument(kind, make):
    x1, x2 = make(seed=1), make(seed=2)
    k = CNNKernel(3, readout="gap")
    base = k(x1, x2, kind=kind)
    dims = tuple(range(2, x1.dim()))
    moved = torch.roll(x1, (3,) * len(dims), dims)
    assert float((k(moved, x2, kind=kind) - base).abs().max()) <= 1e-10
    other = k(x1, torch.roll(x2, (1,) * len(dims), dims), kind=kind)
    assert float((other - base).abs().max()) <= 1e-10


def test_cnn_flatten_kernel_sees_a_shift_of_one_argument_but_not_of_both():
    x1, x2 = _signals(seed=1), _signals(seed=2)
    k = CNNKernel(3, readout="flatten")
    base = k(x1, x2)
    both = k(torch.roll(x1, 2, -1), torch.roll(x2, 2, -1))
    assert float((both - base).abs().max()) <= 1e-12
    assert float((k(torch.roll(x1, 2, -1), x2) - base).abs().max()) > 1e-3


def test_mlp_kernel_is_invariant_to_one_orthogonal_map_of_both_arguments_only():
    x1, x2 = _signals(seed=3).flatten(1).double(), _signals(seed=4).flatten(1).double()
    q, _ = torch.linalg.qr(torch.randn(20, 20, generator=torch.Generator().manual_seed(5)).double())
    k = MLPKernel(3, b_std=0.1)
    for kind in ("nngp", "ntk"):
        base = k(x1, x2, kind=kind)
        assert float((k(x1 @ q.T, x2 @ q.T, kind=kind) - base).abs().max()) <= 1e-12
    a, b = _signals(seed=3), _signals(seed=4)
    assert float((k(torch.roll(a, 1, -1), b) - k(a, b)).abs().max()) > 1e-3


@pytest.mark.parametrize(
    ("kernel", "group", "x", "move"),
    [
        (MLPKernel(2), "shift", _signals(), lambda x: torch.roll(x, 3, -1)),
        (MLPKernel(2), Shift(shift_range=(0, 9)), _signals(), lambda x: torch.roll(x, -4, -1)),
        (CNNKernel(2, readout="flatten"), "shift", _signals(), lambda x: torch.roll(x, 1, -1)),
        (MLPKernel(1), "C4", _images(), lambda x: torch.rot90(x, 1, (-2, -1))),
        (MLPKernel(1), "D4", _images(), lambda x: torch.flip(torch.rot90(x, 3, (-2, -1)), (-1,))),
        (MLPKernel(1), "shift2d", _images(), lambda x: torch.roll(x, (1, 4), (-2, -1))),
    ],
    ids=["mlp-shift", "mlp-Shift-transform", "flatten-shift", "mlp-C4", "mlp-D4", "mlp-shift2d"],
)
def test_symmetrised_kernel_is_invariant_in_each_argument(kernel, group, x, move):
    steps = 10 if not isinstance(group, str) else None
    k = symmetrize(kernel, group, steps=steps)
    x2 = x.flip(0) + 0.1
    base = k(x, x2)
    torch.testing.assert_close(k(move(x), x2), base, rtol=0, atol=1e-10)
    torch.testing.assert_close(k(x, move(x2)), base, rtol=0, atol=1e-10)
    torch.testing.assert_close(k(x), k(x).T, rtol=0, atol=1e-12)
    assert float((kernel(move(x), x2) - kernel(x, x2)).abs().max()) > 1e-3  # not so before


def test_symmetrising_the_gap_kernel_over_shifts_changes_nothing():
    x1, x2 = _signals(seed=6), _signals(seed=7)
    k = CNNKernel(2, readout="gap")
    torch.testing.assert_close(symmetrize(k, "shift")(x1, x2), k(x1, x2), rtol=1e-12, atol=0)


def test_gap_kernel_is_the_shift_average_of_the_flatten_kernel_times_n_over_n():
    # Li et al. (2019): GAP ≡ flatten symmetrised over all circular shifts (σ_b = 0: the final
    # dense layer is linear in the pooled covariance).
    x1, x2 = _signals(seed=8), _signals(seed=9)
    gap = CNNKernel(3, readout="gap")(x1, x2)
    flat = symmetrize(CNNKernel(3, readout="flatten"), "shift")(x1, x2)
    torch.testing.assert_close(gap, flat, rtol=1e-12, atol=0)


def test_functional_twins_equal_the_modules():
    x = _signals()
    torch.testing.assert_close(mlp_kernel(x, depth=2, kind="ntk"), MLPKernel(2)(x, kind="ntk"))
    torch.testing.assert_close(
        cnn_kernel(x, x[:2], depth=2, readout="flatten"), CNNKernel(2, readout="flatten")(x, x[:2])
    )


def test_float32_option_and_repr():
    x = _signals()
    k32 = CNNKernel(2, dtype=torch.float32)(x)
    assert k32.dtype == torch.float32
    torch.testing.assert_close(k32.double(), CNNKernel(2)(x), rtol=1e-5, atol=1e-6)
    assert "readout='gap'" in repr(CNNKernel(2))
    assert "depth=3" in repr(MLPKernel(3))
    assert "group='C4'" in repr(symmetrize(MLPKernel(1), "C4"))


def test_progress_line_goes_to_stderr_when_asked(capsys):
    CNNKernel(1, block_size=2, progress=True)(_signals())
    assert "blocks" in capsys.readouterr().err
    CNNKernel(1, block_size=2)(_signals())
    assert capsys.readouterr().err == ""
