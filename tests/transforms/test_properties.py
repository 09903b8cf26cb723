"""Properties: ``Shift``, ``Rotate90`` and ``Flip`` composed with their inverses are the identity.

``g⁻¹ ∘ g`` and ``g ∘ g⁻¹`` with ``g⁻¹`` given by ``inverse_params``, over generated batch
sizes, channel dims, odd and even sizes, float32/float64, one parameter per sample (including
out-of-range and fractional ones, which the transforms round or reduce): bit for bit, since
these transformations only move samples.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from _hypothesis_profiles import budget, dtypes, randn, seeds
from invlab.transforms import Flip, Rotate90, Shift

# One torch thread: these tensors are tiny, and on a loaded machine a 2-thread pool stalls
# at every op (about 30x slower here); bit-for-bit comparisons also want a fixed count.
pytestmark = pytest.mark.usefixtures("one_torch_thread")

channels = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


def both_ways_identity(t, x: torch.Tensor, params: torch.Tensor) -> None:
    inverse = t.inverse_params(params)
    assert inverse.shape == params.shape
    assert torch.equal(t.apply(t.apply(x, params), inverse), x)
    assert torch.equal(t.apply(t.apply(x, inverse), params), x)


@budget(30)
@given(
    b=st.integers(1, 4),
    lead=channels,
    # signals of any length; images of at least 2x2 (an axis of size 1 is refused)
    size=st.one_of(
        st.lists(st.integers(1, 17), min_size=1, max_size=1),
        st.lists(st.integers(2, 17), min_size=2, max_size=2),
    ),
    dtype=dtypes,
    seed=seeds,
    data=st.data(),
)
def test_circular_shift_then_its_inverse_is_the_identity(b, lead, size, dtype, seed, data):
    dims = len(size)
    x = randn(seed, b, *lead, *size, dtype=dtype)
    rows = [[data.draw(st.floats(-(n - 1), n - 1), label="shift") for n in size] for _ in range(b)]
    params = torch.tensor(rows)
    t = Shift(max(size), dims=dims, mode="circular")
    both_ways_identity(t, x, params)
    if dims == 1 and b == 1:  # the same action as torch.roll
        s = int(params.round()[0, 0])
        assert torch.equal(t.apply(x, params), torch.roll(x, s, -1))


@budget(20)
@given(b=st.integers(1, 4), n=st.integers(2, 17), seed=seeds, data=st.data())
def test_zero_padded_shift_then_its_inverse_keeps_exactly_the_samples_that_stayed(b, n, seed, data):
    """With ``mode='zeros'`` the inverse restores the samples that stayed in the window and
    leaves zeros where content was shifted out."""
    x = randn(seed, b, n)
    s = data.draw(st.lists(st.integers(-(n - 1), n - 1), min_size=b, max_size=b), label="shifts")
    params = torch.tensor(s, dtype=torch.float32).unsqueeze(1)
    t = Shift(n, mode="zeros")
    back = t.apply(t.apply(x, params), t.inverse_params(params))
    index = torch.arange(n)
    # back[i] = moved[i + s] = x[i] when i + s lies inside the window, else a zero shifted in
    kept = ((index + params) >= 0) & ((index + params) < n)
    assert torch.equal(back, torch.where(kept, x, torch.zeros_like(x)))


@budget(30)
@given(
    b=st.integers(1, 4),
    lead=channels,
    n=st.integers(2, 12),
    dtype=dtypes,
    seed=seeds,
    data=st.data(),
)
def test_quarter_turns_then_their_inverse_are_the_identity(b, lead, n, dtype, seed, data):
    x = randn(seed, b, *lead, n, n, dtype=dtype)
    k = data.draw(st.lists(st.floats(-9, 9), min_size=b, max_size=b), label="k")
    params = torch.tensor(k).unsqueeze(1)
    t = Rotate90()
    both_ways_identity(t, x, params)
    turns = int(torch.remainder(params.round(), 4)[0, 0])
    assert torch.equal(t.apply(x[:1], params[:1]), torch.rot90(x[:1], turns, (-2, -1)))


@budget(30)
@given(
    b=st.integers(1, 4),
    lead=channels,
    h=st.integers(2, 12),  # images: an axis of size 1 is refused
    w=st.integers(2, 12),
    dtype=dtypes,
    seed=seeds,
    axis=st.sampled_from(["horizontal", "vertical"]),
    data=st.data(),
)
def test_flip_then_its_inverse_is_the_identity(b, lead, h, w, dtype, seed, axis, data):
    x = randn(seed, b, *lead, h, w, dtype=dtype)
    bits = data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=b, max_size=b), label="flip")
    params = torch.tensor(bits).unsqueeze(1)
    both_ways_identity(Flip(axis), x, params)
