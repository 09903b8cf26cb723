"""Properties of the instruments: on an exactly invariant map, the Goodfellow score is ``1/G``
and the sensitivity is 0.

Goodfellow et al. (2009): a unit that fires on an input fires on its whole trajectory, so its
local firing rate is 1 and ``S = L/G = 1/G``; the layer score (mean of the top units) is
``1/G`` too. Generated: the firing rate ``G`` and a data size ``N`` with ``G·N`` an integer (so
the achieved rate is exactly ``G``), the polarity, signal and image sizes, the trajectory
length, and an invariant map with a transformation it is invariant to:

* the sorted values of the input — bit-for-bit invariant to every permutation of its entries:
  circular shifts (1D, 2D), quarter turns, flips; float32 and float64;
* ``FourierModulus`` under circular shifts (float64: rounding far below the threshold gaps);
* ``Symmetrize(cnn, 'D4')`` (a random CNN averaged over D4) under quarter turns and flips.

The score must equal ``1/G`` to float32 rounding (1e-6 relative). The sensitivity
``E‖φ(gx) − φ(x)‖² / E‖φ(x′) − φ(x)‖²`` is a ratio of squared distances, so its tolerance is
the square of the relative one: exactly 0 for the sorted values, ≤ (1e-10)² in float64.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from _hypothesis_profiles import budget, dtypes, randn, rtol, seeds
from invlab.invariants import FourierModulus
from invlab.measure import (
    goodfellow_scores,
    goodfellow_unit_scores,
    sampled_sensitivity,
    sensitivity,
)
from invlab.nn import Symmetrize
from invlab.transforms import Flip, Rotate90, Shift

# One torch thread: these tensors are tiny, and on a loaded machine a 2-thread pool stalls
# at every op (about 30x slower here); bit-for-bit comparisons also want a fixed count.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


class SortedValues(nn.Module):
    """``x ↦ sort(x)`` over all entries of each sample: invariant to any permutation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1).sort(dim=1).values


@st.composite
def invariant_cases(draw):
    """(model, transform, input shape, dtype) with the model exactly invariant."""
    kind = draw(st.sampled_from(["sorted", "fourier", "symmetrized"]), label="map")
    if kind == "sorted":
        dims = draw(st.sampled_from([1, 2]), label="dims")
        n = draw(st.integers(3, 12), label="size")
        if dims == 1:
            transform = Shift(n - 1)
        else:
            transform = draw(
                st.sampled_from([Shift(n - 1, dims=2), Rotate90(), Flip(), Flip("vertical")]),
                label="transform",
            )
        return nn.Sequential(SortedValues()), transform, (1,) + (n,) * dims, draw(dtypes)
    if kind == "fourier":
        dims = draw(st.sampled_from([1, 2]), label="dims")
        n = draw(st.integers(3, 12), label="size")
        model = nn.Sequential(FourierModulus(dims=dims))
        return model, Shift(n - 1, dims=dims), (1,) + (n,) * dims, torch.float64
    n = draw(st.integers(3, 8), label="size")
    torch.manual_seed(draw(seeds, label="weights"))
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(2 * (n - 2) ** 2, 5))
    model = nn.Sequential(Symmetrize(cnn.double(), "D4"))
    transform = draw(st.sampled_from([Rotate90(), Flip(), Flip("vertical")]), label="transform")
    return model, transform, (1, n, n), torch.float64


@budget(25)
@given(
    case=invariant_cases(),
    rate=st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.25]),
    fire=st.integers(1, 3),
    polarity=st.sampled_from(["positive", "both", "auto"]),
    steps=st.integers(2, 9),
    seed=seeds,
)
def test_goodfellow_score_of_an_invariant_map_is_one_over_the_firing_rate(
    case, rate, fire, polarity, steps, seed
):
    model, transform, shape, dtype = case
    n = round(fire / rate)  # G·N = fire inputs fire per unit
    x = randn(seed, n, *shape, dtype=dtype)
    units = goodfellow_unit_scores(
        model, x, transform, ["0"], steps=steps, firing_rate=rate, polarity=polarity
    )["0"]
    assert units.numel() > 0 and not torch.isnan(units).any()
    assert torch.allclose(units, torch.full_like(units, 1 / rate), rtol=1e-6, atol=0)
    table = goodfellow_scores(
        model, x, transform, ["0"], steps=steps, firing_rate=rate, polarity=polarity
    )
    assert table.value.iloc[0] == pytest.approx(1 / rate, rel=1e-6)


@budget(25)
@given(
    case=invariant_cases(),
    n=st.integers(2, 40),
    batch_size=st.integers(2, 64),
    seed=seeds,
    transform_seed=seeds,
)
def test_sensitivity_of_an_invariant_map_is_zero(case, n, batch_size, seed, transform_seed):
    """Both estimators: the exact grid average and the Monte Carlo one."""
    model, transform, shape, dtype = case
    x = randn(seed, n, *shape, dtype=dtype)
    exact = sensitivity(model, x, transform, ["0"], batch_size=batch_size, steps=5)
    sampled = sampled_sensitivity(
        model, x, transform, ["0"], seed=transform_seed, batch_size=batch_size
    )
    for table in (exact, sampled):
        value = float(table.value.iloc[0])
        if isinstance(model[0], SortedValues):
            assert value == 0.0
        else:
            assert 0.0 <= value <= rtol(dtype) ** 2


@budget(15)
@given(n=st.integers(4, 12), seed=seeds)
def test_the_input_layer_of_the_same_data_is_not_invariant(n, seed):
    """The metrics can fail: the raw input of the same data under the same shifts scores far
    below 1/G and has a sensitivity far from 0."""
    model = nn.Sequential(SortedValues())
    x = randn(seed, 200, 1, n)
    t = Shift(n - 1)
    assert goodfellow_scores(model, x, t, ["input"], firing_rate=0.05).value.iloc[0] < 15
    assert sensitivity(model, x, t, ["input"]).value.iloc[0] > 0.3
