"""Why strided nets with k = 3 stride-2 subsamplings can repeat every 4 samples, not 8: when the
last subsampling is followed by a global pooling that it composes with, it loses nothing and
the network is exactly invariant to circular shifts by 2^(k-1).

* LpPool(2, p) then the global Lp pool of the same p is the global Lp pool of the finer map
  (power means of equal windows compose): the fixed-p ``cnn_lp`` nets have period 4.
* A binomial blur of size >= 2 has equal sums of even and odd taps ((1 - 1)^n = 0), so the mean
  of its stride-2 subsamples is the mean of the whole map: ``cnn_blur`` with filter_size >= 2,
  which ends in a global average, has period 4. With filter_size = 1 (plain max pooling
  stride 2) the global average sees every other sample only: period 8.
"""

from __future__ import annotations

import math

import pytest
import torch

from invlab.models import create_model
from invlab.nn import BlurPool, GlobalPool, LpPool
from invlab.transforms import Shift


@pytest.mark.parametrize("p", [1.0, 2.0, 4.0, math.inf])
def test_lp_pool_then_global_lp_pool_is_the_global_lp_pool(p):
    x = torch.rand(3, 5, 10, dtype=torch.float64)
    composed = GlobalPool("lp", p=p)(LpPool(2, p=p, dims=1)(x))
    torch.testing.assert_close(composed, GlobalPool("lp", p=p)(x))


@pytest.mark.parametrize("size", [2, 3, 5, 7])
def test_the_mean_of_blurred_stride_2_subsamples_is_the_mean(size):
    x = torch.rand(3, 5, 10, dtype=torch.float64)
    blurred = BlurPool(size, stride=2, dims=1, padding_mode="circular").double()(x)
    torch.testing.assert_close(blurred.mean(-1), x.mean(-1))


def _logit_change(model, lag: int) -> float:
    x = torch.randn(64, 1, 40)
    moved = Shift(shift_range=(-20, 20)).apply(x, torch.full((64, 1), float(lag)))
    with torch.no_grad():
        return float((model(x) - model(moved)).abs().max())


@pytest.mark.parametrize(
    ("name", "size", "period"),
    [
        ("cnn_lp", {"p": 2.0}, 4),
        ("cnn_lp", {"p": math.inf}, 4),
        ("cnn_blur", {"filter_size": 3}, 4),
        ("cnn_blur", {"filter_size": 1}, 8),
    ],
)
def test_the_period_of_three_subsampling_nets(name, size, period):
    torch.manual_seed(0)
    model = create_model(name, in_shape=(1, 40), num_classes=10, channels=8, depth=3, **size)
    model.eval()
    assert _logit_change(model, period) < 1e-5  # exactly invariant to shifts by the period
    assert _logit_change(model, period // 2) > 1e-3  # and not to half of it
