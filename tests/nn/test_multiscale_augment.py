"""Multi-resolution pooling and learned augmentation widths."""

import math

import pytest
import torch
from torch import nn

from invlab.nn import LearnedAugment, MultiScale


def _pooled_net(dims=2):
    conv = nn.Conv2d(1, 4, 3) if dims == 2 else nn.Conv1d(1, 4, 3)
    pool = nn.AdaptiveMaxPool2d(1) if dims == 2 else nn.AdaptiveMaxPool1d(1)
    return nn.Sequential(conv, pool, nn.Flatten())


def test_multiscale_reduces_over_the_pyramid():
    torch.manual_seed(0)
    net = _pooled_net()
    ms = MultiScale(net, scales=(1.0, 0.5), reduce="max")
    x = torch.randn(2, 1, 16, 16)
    levels = ms.pyramid(x)
    assert [tuple(level.shape[-2:]) for level in levels] == [(16, 16), (8, 8)]
    assert torch.allclose(ms(x), torch.maximum(net(levels[0]), net(levels[1])))
    mean = MultiScale(net, scales=(1.0, 0.5), reduce="mean")
    assert torch.allclose(mean(x), (net(levels[0]) + net(levels[1])) / 2)


def test_multiscale_with_one_scale_is_the_model_and_works_in_1d():
    net = _pooled_net(1)
    x = torch.randn(3, 1, 20)
    assert torch.equal(MultiScale(net, scales=(1.0,))(x), net(x))
    assert MultiScale(net, scales=(1.0, 0.5, 2.0))(x.double().float()).shape == (3, 4)


@pytest.mark.parametrize("scales", [(1.0, 0.0), (-0.5,), (), (1.0, math.nan)])
def test_non_positive_scales_are_rejected(scales):
    with pytest.raises(ValueError, match="scales"):
        MultiScale(nn.Identity(), scales=scales)


def test_learned_augment_starts_at_init_width_and_identity_at_zero_width():
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    aug = LearnedAugment(net, generators=("rotate", "scale"), init_width=0.3)
    assert aug.widths() == pytest.approx({"rotate": 0.3, "scale": 0.3}, rel=1e-5)
    tiny = LearnedAugment(net, generators=("rotate",), init_width=1e-8)
    x = torch.randn(2, 1, 8, 8)
    assert torch.allclose(tiny.augment(x), x, atol=1e-5)


def test_rotation_generator_at_a_quarter_turn_is_rot90():
    aug = LearnedAugment(nn.Identity(), generators=("rotate",))
    theta = torch.linalg.matrix_exp(aug.basis[0] * (math.pi / 2))
    expected = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert torch.allclose(theta, expected, atol=1e-6)


def test_regularizer_pushes_widths_up_and_gradients_flow_through_the_samples():
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    aug = LearnedAugment(net, init_width=0.2)
    aug.regularizer().backward()
    assert (aug.rho.grad < 0).all()  # gradient descent increases every width
    aug.zero_grad()
    aug(torch.randn(4, 1, 8, 8)).square().sum().backward()
    assert aug.rho.grad.abs().sum() > 0


def test_learned_augment_averages_eval_samples_and_supports_1d():
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    aug = LearnedAugment(net, dims=1, eval_samples=4).eval()
    assert aug(torch.randn(5, 1, 16)).shape == (5, 2)
    assert set(aug.widths()) == {"translate", "scale"}


def test_learned_augment_bad_arguments():
    with pytest.raises(ValueError, match="generators must be one of"):
        LearnedAugment(nn.Identity(), generators=("rotate",), dims=1)
    with pytest.raises(ValueError, match="init_width must be a finite number > 0"):
        LearnedAugment(nn.Identity(), init_width=0)
