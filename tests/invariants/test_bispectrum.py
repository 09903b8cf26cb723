"""The bispectrum: invariant to circular shifts, and complete (unlike |F|)."""

import pytest
import torch

from invlab.invariants import Bispectrum, bispectrum_pairs, invert_bispectrum
from invlab.invariants.functional import bispectrum


def _fractional_shift(x: torch.Tensor, phase_per_bin: torch.Tensor) -> torch.Tensor:
    """``x`` shifted so that the k-th harmonic turns by ``−k · phase_per_bin``."""
    n = x.shape[-1]
    f = torch.fft.rfft(x)
    k = torch.arange(f.shape[-1], dtype=x.dtype)
    return torch.fft.irfft(f * torch.exp(-1j * k * phase_per_bin.unsqueeze(-1)), n=n)


@pytest.mark.parametrize("pairs", ["full", "reduced"])
def test_bispectrum_1d_is_invariant_to_circular_shifts(pairs):
    torch.manual_seed(0)
    x = torch.randn(16, 1, 24)
    b = Bispectrum(24, pairs=pairs, normalize=True)
    for s in (1, 5, 23):
        shifted = b(torch.roll(x, s, -1))
        assert (shifted - b(x)).abs().max() <= 1e-5


def test_bispectrum_2d_is_invariant_to_circular_translations():
    torch.manual_seed(0)
    x = torch.randn(4, 2, 12, 10, dtype=torch.float64)
    for which in ("reduced", "full"):
        b = Bispectrum((12, 10), pairs=which)
        out = b(x)
        moved = b(torch.roll(x, (3, -4), (-2, -1)))
        assert (moved - out).abs().max() / out.abs().max() <= 1e-12
    assert Bispectrum((12, 10)).num_coefficients == 3 * 12 * 6


def test_bispectrum_is_complete_a_signal_is_recovered_up_to_a_shift():
    torch.manual_seed(0)
    for n in (15, 16, 33):
        x = torch.randn(32, n, dtype=torch.float64)
        recovered = invert_bispectrum(bispectrum(x, bispectrum_pairs(n)), n)
        # The recovered signal is x shifted so that its first harmonic has zero phase.
        expected = _fractional_shift(x, torch.angle(torch.fft.rfft(x)[..., 1]))
        assert torch.allclose(recovered, expected, atol=1e-8)
        # And it is the same for every shift of x.
        again = invert_bispectrum(bispectrum(torch.roll(x, 4, -1), bispectrum_pairs(n)), n)
        assert torch.allclose(again, recovered, atol=1e-8)


def test_modulus_is_not_complete_but_the_bispectrum_tells_signals_apart():
    # x and its time reversal have the same |F| but different bispectra.
    torch.manual_seed(1)
    x = torch.randn(1, 20, dtype=torch.float64)
    y = x.flip(-1)
    assert torch.allclose(torch.fft.rfft(x).abs(), torch.fft.rfft(y).abs())
    p = bispectrum_pairs(20, "full")
    assert (bispectrum(x, p) - bispectrum(y, p)).abs().max() > 1e-2


def test_bispectrum_real_output_and_shapes():
    b = Bispectrum(16, pairs="full", output="real")
    assert b(torch.randn(3, 1, 16)).shape == (3, 1, 2 * 16 * 17 // 2)
    assert Bispectrum(16)(torch.randn(2, 16)).shape == (2, 18)
    assert "pairs='full'" in repr(b)
    custom = Bispectrum(8, pairs=torch.tensor([[1, 2], [2, 3]]))
    assert custom.num_coefficients == 2


def test_bispectrum_is_differentiable():
    x = torch.randn(2, 16, requires_grad=True)
    Bispectrum(16, output="real", normalize=True)(x).sum().backward()
    assert x.grad is not None and bool(torch.isfinite(x.grad).all())


def test_bispectrum_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="x must end with shape"):
        Bispectrum(16)(torch.randn(2, 15))
    with pytest.raises(ValueError, match="pairs"):
        Bispectrum(16, pairs=torch.zeros(3, 4))
    with pytest.raises(ValueError, match="which"):
        Bispectrum(16, pairs="half")
    with pytest.raises(ValueError, match="output"):
        Bispectrum(16, output="polar")
    with pytest.raises(ValueError, match="b must be the complex reduced bispectrum"):
        invert_bispectrum(torch.randn(4, 10), 16)
    with pytest.raises(TypeError, match="x must be real"):
        bispectrum(torch.randn(4, 8, dtype=torch.complex64), bispectrum_pairs(8))
