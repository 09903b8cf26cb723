"""Goodfellow's score on sparse units: zeros (a unit's floor) never fire, so sparsity is not
scored as invariance."""

import pytest
import torch
from torch import nn

from invlab.measure import goodfellow_unit_scores
from invlab.transforms import Shift


class ReadsSample0(nn.Module):
    """``relu(x[0] − c)``: no invariance at all (a shift hands it another sample)."""

    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        return torch.relu(x[:, 0, :1] - self.c)


class ReadsMean(nn.Module):
    """``relu(mean(x) − c)``: exactly invariant to circular shifts, however sparse."""

    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        return torch.relu(x.mean(-1) - self.c)


@pytest.fixture(scope="module")
def signals():
    g = torch.Generator().manual_seed(0)
    return torch.randn(2000, 1, 32, generator=g)


def score(model, x):
    return float(goodfellow_unit_scores(model, x, Shift(8), ["output"])["output"][0])


# c = 1.88: active on 3.2 % of the 2000 inputs; c = 2.88: on 0.3 % (6 inputs < k = 20).
# Before the fix: 12.2 and 73.5 (the zeros of the sparse unit fired, with their zero trajectories).
@pytest.mark.parametrize("c", [1.88, 2.88])
def test_a_unit_without_invariance_scores_low_however_sparse(signals, c):
    active = float((ReadsSample0(c)(signals) > 0).float().mean())
    assert (active >= 0.03) if c < 2 else (active < 0.01)
    # 1/T for the trajectory's start (T = 9 shifts) plus chance firing: ≈ 1/(9 · 0.01) = 11
    assert score(ReadsSample0(c), signals) < 15


def test_a_sparse_invariant_unit_still_scores_one_over_g(signals):
    sd = float(signals.mean(-1).std())
    model = ReadsMean(2.9 * sd)
    assert 0 < float((model(signals) > 0).float().mean()) < 0.01  # sparser than G = 1 %
    assert score(model, signals) == pytest.approx(100.0)


def test_a_dead_unit_is_left_out(signals):
    assert torch.isnan(
        goodfellow_unit_scores(ReadsSample0(50.0), signals, Shift(8), ["output"])["output"]
    ).all()
