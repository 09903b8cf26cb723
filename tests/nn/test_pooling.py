"""Lp pooling interpolates between average and max; blur pooling low-passes before subsampling."""

import math

import pytest
import torch
import torch.nn.functional as F

from invlab.nn import BlurPool, GlobalPool, LpPool, binomial_filter


def test_lp_pool_with_p_1_is_average_pooling():
    x = torch.rand(2, 3, 8, 8)
    assert torch.allclose(LpPool(2, p=1.0)(x), F.avg_pool2d(x, 2), atol=1e-6)
    s = torch.rand(2, 3, 12)
    assert torch.allclose(LpPool(3, p=1.0, dims=1)(s), F.avg_pool1d(s, 3), atol=1e-6)


def test_lp_pool_approaches_max_as_p_grows():
    x = torch.rand(2, 3, 8, 8)
    target = F.max_pool2d(x, 2)
    errors = [(LpPool(2, p=p)(x) - target).abs().max().item() for p in (2.0, 8.0, 64.0, 1024.0)]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 2e-3  # bound: max·(1 − K^{−1/p}) = 1·(1 − 4^{−1/1024}) ≈ 1.4e-3
    assert torch.equal(LpPool(2, p=math.inf)(x), target)


def test_lp_pool_matches_the_formula_in_float64():
    x = torch.randn(1, 1, 6, dtype=torch.float64)
    y = LpPool(3, stride=3, p=3.0, dims=1)(x)
    expected = (x.abs().pow(3).reshape(2, 3).mean(1)).pow(1 / 3)
    assert y.dtype == torch.float64 and torch.allclose(y.flatten(), expected)


def test_learnable_p_trains_and_stays_finite_on_zero_windows():
    pool = LpPool(2, p=3.0, learnable=True, channels=3)
    assert torch.allclose(pool.p, torch.full((3,), 3.0))
    x = torch.rand(2, 3, 4, 4)
    x[:, :, :2, :2] = 0  # an all-zero window
    pool(x).sum().backward()
    assert torch.isfinite(pool.rho.grad).all() and pool.rho.grad.abs().sum() > 0


def test_global_pool_kinds():
    x = torch.rand(2, 3, 5, 5)
    assert torch.allclose(GlobalPool("avg")(x), x.mean((-2, -1)))
    assert torch.equal(GlobalPool("max")(x), x.amax((-2, -1)))
    assert torch.allclose(GlobalPool("lp", p=1.0)(x), x.mean((-2, -1)), atol=1e-6)
    assert GlobalPool("lp", learnable=True, channels=3)(x).shape == (2, 3)


def test_bad_p_and_kind_are_rejected():
    with pytest.raises(ValueError, match="p must be >= 1"):
        LpPool(2, p=0.5)
    with pytest.raises(ValueError, match="channels"):
        LpPool(2, learnable=True)
    with pytest.raises(ValueError, match="kind must be one of"):
        GlobalPool("median")


@pytest.mark.parametrize("size", range(1, 8))
def test_binomial_filters_sum_to_one_and_match_pascal_rows(size):
    row = [math.comb(size - 1, j) for j in range(size)]
    f = binomial_filter(size, dtype=torch.float64)
    assert torch.allclose(f * 2 ** (size - 1), torch.tensor(row, dtype=torch.float64))
    assert abs(float(f.sum()) - 1) < 1e-12
    f2 = BlurPool(size, dims=2).filter
    assert abs(float(f2.sum()) - 1) < 1e-6 and torch.allclose(f2, torch.outer(f, f).float())


def test_blur_pool_shapes_and_constant_preservation():
    x = torch.full((2, 3, 9, 9), 2.5)
    for mode in ("reflect", "replicate", "circular"):
        y = BlurPool(5, stride=2, padding_mode=mode)(x)
        assert y.shape == (2, 3, 5, 5) and torch.allclose(y, torch.full_like(y, 2.5))
    assert BlurPool(4, stride=2, dims=1)(torch.rand(1, 2, 10)).shape == (1, 2, 5)
    assert BlurPool(3)(x.double()).dtype == torch.float64


def test_blur_pool_with_filter_size_1_is_subsampling():
    x = torch.randn(1, 2, 8, 8)
    assert torch.equal(BlurPool(1, stride=2)(x), x[:, :, ::2, ::2])


def test_blur_pool_reduces_aliasing_of_a_one_sample_shift():
    # An alternating signal aliases to a constant under subsampling; its shift flips sign.
    x = torch.tensor([[[1.0, -1.0] * 8]])
    shifted = torch.roll(x, 1, -1)
    plain = (BlurPool(1, dims=1)(x) - BlurPool(1, dims=1)(shifted)).abs().max()
    blurred = BlurPool(3, dims=1, padding_mode="circular")
    assert plain == 2
    assert (blurred(x) - blurred(shifted)).abs().max() < 1e-6


def test_blur_pool_bad_arguments():
    with pytest.raises(ValueError, match="filter_size must be between 1 and 7"):
        BlurPool(8)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        BlurPool(3, padding_mode="mirror")
    with pytest.raises(ValueError, match="x must have"):
        BlurPool(3, dims=2)(torch.randn(2, 3, 8))
