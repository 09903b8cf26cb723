"""|F x| is exactly invariant to circular shifts."""

import pytest
import torch

from invlab.invariants import FourierModulus, fourier_modulus
from invlab.transforms import Shift


def relative_change(a, b):
    return float((a - b).norm() / a.norm())


@pytest.mark.parametrize("n", [40, 41, 64, 7])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_1d_invariant_to_every_circular_shift(n, dtype):
    x = torch.randn(3, 2, n, dtype=dtype)  # extra batch dims pass through
    m = FourierModulus(dims=1)
    ref = m(x)
    assert ref.shape == (3, 2, n // 2 + 1) and ref.dtype == dtype
    for s in range(n):
        assert relative_change(ref, m(torch.roll(x, s, dims=-1))) <= 1e-5


@pytest.mark.parametrize("shape", [(8, 8), (9, 12), (15, 7)])
def test_2d_invariant_to_circular_translations(shape):
    x = torch.randn(4, 1, *shape)
    m = FourierModulus(dims=2)
    ref = m(x)
    assert ref.shape == (4, 1, shape[0], shape[1] // 2 + 1)
    for dy, dx in [(1, 0), (0, 3), (shape[0] - 1, 2), (5, 5)]:
        moved = torch.roll(x, (dy, dx), dims=(-2, -1))
        assert relative_change(ref, m(moved)) <= 1e-5


def test_invariant_under_the_shift_transform_per_sample():
    x = torch.randn(16, 1, 33)
    params = Shift(16).sample(16, generator=torch.Generator().manual_seed(1))
    moved = Shift(16).apply(x, params)
    assert not torch.allclose(moved, x)
    assert relative_change(fourier_modulus(x), fourier_modulus(moved)) <= 1e-5


def test_not_invariant_to_non_circular_shift():
    # Zero-filled shifts lose samples: the modulus is only invariant to the circular group.
    x = torch.randn(8, 40)
    moved = Shift(10, mode="zeros").apply(x, torch.tensor([10.0]))
    assert relative_change(fourier_modulus(x), fourier_modulus(moved)) > 0.1


@pytest.mark.parametrize("n", [32, 33])
def test_normalized_satisfies_parseval(n):
    # Parseval: ‖x‖² = Σ_k |X_k|² over the full spectrum; the half spectrum counts each
    # k in 1 … ⌈N/2⌉−1 twice (|X_{N−k}| = |X_k|), DC and, for even N, Nyquist once.
    x = torch.randn(5, n, dtype=torch.float64)
    half = fourier_modulus(x, normalized=True)
    weights = torch.full((half.shape[-1],), 2.0, dtype=torch.float64)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    energy = (weights * half.square()).sum(-1)
    assert torch.allclose(energy, x.square().sum(-1))
    assert torch.allclose(half, torch.fft.fft(x, norm="ortho").abs()[..., : n // 2 + 1])
    # Without normalisation the energy is N times larger.
    raw = (weights * fourier_modulus(x).square()).sum(-1)
    assert torch.allclose(raw, n * x.square().sum(-1))


def test_normalized_satisfies_parseval_in_2d():
    x = torch.randn(3, 8, 10, dtype=torch.float64)
    half = fourier_modulus(x, dims=2, normalized=True)  # (3, 8, 6): columns 0 … 5
    weights = torch.full((half.shape[-1],), 2.0, dtype=torch.float64)
    weights[0] = weights[-1] = 1.0  # DC and Nyquist columns (W = 10 is even)
    energy = (weights * half.square()).sum((-2, -1))
    assert torch.allclose(energy, x.square().sum((-2, -1)))


def test_gradients_flow():
    x = torch.randn(2, 16, requires_grad=True)
    FourierModulus()(x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match=r"x must be a torch\.Tensor"):
        fourier_modulus([1.0, 2.0])
    with pytest.raises(ValueError, match="x must have at least 2 dimension"):
        FourierModulus(dims=2)(torch.randn(8))
    with pytest.raises(TypeError, match="floating-point"):
        fourier_modulus(torch.arange(8))
    with pytest.raises(ValueError, match="dims must be one of"):
        FourierModulus(dims=3)
    with pytest.raises(ValueError, match="empty"):
        fourier_modulus(torch.zeros(0, 8))
