"""Properties: the Fourier modulus and the bispectrum are exactly invariant to circular shifts.

Over generated signal lengths and image sizes (odd and even), leading batch dimensions, float32
and float64, every shift: ``‖φ(roll(x, s)) − φ(x)‖ / ‖φ(x)‖ ≤ 1e-5`` (float32) or ``1e-10``
(float64), rounding only.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from _hypothesis_profiles import batch_shapes, budget, dtypes, randn, rel_change, rtol, seeds
from invlab.invariants import Bispectrum, FourierModulus, fourier_modulus

# One torch thread: these tensors are tiny, and on a loaded machine a 2-thread pool stalls
# at every op (about 30x slower here); bit-for-bit comparisons also want a fixed count.
pytestmark = pytest.mark.usefixtures("one_torch_thread")

sizes = st.integers(2, 33)


@budget(30)
@given(
    batch=batch_shapes,
    n=sizes,
    dtype=dtypes,
    seed=seeds,
    data=st.data(),
    normalized=st.booleans(),
    log=st.booleans(),
)
def test_fourier_modulus_1d_is_invariant_to_circular_shifts(
    batch, n, dtype, seed, data, normalized, log
):
    x = randn(seed, *batch, n, dtype=dtype)
    s = data.draw(st.integers(-n + 1, n - 1), label="shift")
    m = FourierModulus(dims=1, normalized=normalized, log=log)
    out = m(x)
    assert out.shape == (*batch, n // 2 + 1) and out.dtype == dtype
    assert rel_change(m(torch.roll(x, s, -1)), out) <= rtol(dtype)
    assert rel_change(fourier_modulus(torch.roll(x, s, -1)), fourier_modulus(x)) <= rtol(dtype)


@budget(30)
@given(
    batch=batch_shapes,
    h=sizes,
    w=sizes,
    dtype=dtypes,
    seed=seeds,
    data=st.data(),
    normalized=st.booleans(),
)
def test_fourier_modulus_2d_is_invariant_to_circular_translations(
    batch, h, w, dtype, seed, data, normalized
):
    x = randn(seed, *batch, h, w, dtype=dtype)
    s = (
        data.draw(st.integers(-h + 1, h - 1), label="row shift"),
        data.draw(st.integers(-w + 1, w - 1), label="column shift"),
    )
    m = FourierModulus(dims=2, normalized=normalized)
    out = m(x)
    assert out.shape == (*batch, h, w // 2 + 1)
    assert rel_change(m(torch.roll(x, s, (-2, -1))), out) <= rtol(dtype)


@budget(30)
@given(
    batch=batch_shapes,
    n=st.integers(2, 24),
    dtype=dtypes,
    seed=seeds,
    data=st.data(),
    pairs=st.sampled_from(["reduced", "full"]),
    output=st.sampled_from(["complex", "real"]),
    normalize=st.booleans(),
)
def test_bispectrum_1d_is_invariant_to_circular_shifts(
    batch, n, dtype, seed, data, pairs, output, normalize
):
    x = randn(seed, *batch, n, dtype=dtype)
    s = data.draw(st.integers(-n + 1, n - 1), label="shift")
    b = Bispectrum((n,), pairs=pairs, output=output, normalize=normalize)  # signals, said so
    out = b(x)
    width = b.num_coefficients * (2 if output == "real" else 1)
    assert out.shape == (*batch, width)
    assert rel_change(b(torch.roll(x, s, -1)), out) <= rtol(dtype)


@budget(30)
@given(
    batch=batch_shapes,
    h=st.integers(2, 13),
    w=st.integers(2, 13),
    dtype=dtypes,
    seed=seeds,
    data=st.data(),
    pairs=st.sampled_from(["reduced", "full"]),
    normalize=st.booleans(),
)
def test_bispectrum_2d_is_invariant_to_circular_translations(
    batch, h, w, dtype, seed, data, pairs, normalize
):
    x = randn(seed, *batch, h, w, dtype=dtype)
    s = (
        data.draw(st.integers(-h + 1, h - 1), label="row shift"),
        data.draw(st.integers(-w + 1, w - 1), label="column shift"),
    )
    b = Bispectrum((h, w), pairs=pairs, normalize=normalize)
    out = b(x)
    assert out.shape == (*batch, b.num_coefficients) and out.is_complex()
    assert rel_change(b(torch.roll(x, s, (-2, -1))), out) <= rtol(dtype)


@budget(20)
@given(n=st.integers(3, 24), seed=seeds, data=st.data())
def test_bispectrum_is_not_invariant_to_time_reversal_unlike_the_modulus(n, seed, data):
    """The properties above can fail: the bispectrum keeps relative phases, so reversing a
    generic signal (which leaves ``|F x|`` unchanged) moves it."""
    x = randn(seed, 2, n)
    reversed_ = torch.flip(x, (-1,))
    assert rel_change(fourier_modulus(reversed_), fourier_modulus(x)) <= 1e-10
    b = Bispectrum((n,), pairs="full")
    assert rel_change(b(reversed_), b(x)) > 1e-3
