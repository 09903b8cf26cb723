"""Group convolutions: rotating the input rotates the output maps and permutes the group axis."""

import pytest
import torch

from invlab.nn import FiniteGroup, GroupConv2d, GroupPool


def _net(group, dtype=torch.float32):
    torch.manual_seed(0)
    lift = GroupConv2d(2, 3, 3, group, lifting=True).to(dtype)
    conv = GroupConv2d(3, 4, 5, group, padding_mode="circular").to(dtype)
    return lambda x: conv(torch.relu(lift(x)))


@pytest.mark.parametrize("group", ["C4", "D4"])
@pytest.mark.parametrize("size", [9, 10])
def test_lifting_and_group_conv_are_exactly_equivariant(group, size):
    g = FiniteGroup(group)
    net = _net(group)
    x = torch.randn(2, 2, size, size)
    y = net(x)
    assert y.shape == (2, 4, g.order, size, size)
    for a in range(g.order):
        err = (net(g.act(x, a)) - g.act_regular(y, a)).abs().max() / y.abs().max()
        assert err <= 1e-5, (group, size, a, float(err))


def test_equivariance_in_float64():
    g = FiniteGroup("D4")
    net = _net("D4", torch.float64)
    x = torch.randn(1, 2, 7, 7, dtype=torch.float64)
    y = net(x)
    assert y.dtype == torch.float64
    assert (net(g.act(x, 5)) - g.act_regular(y, 5)).abs().max() < 1e-12


def test_c8_is_exact_on_its_quarter_turns():
    g = FiniteGroup("C8")
    net = _net("C8")
    x = torch.randn(1, 2, 9, 9)
    y = net(x)
    for a in (2, 4, 6):
        assert (net(g.act(x, a)) - g.act_regular(y, a)).abs().max() / y.abs().max() <= 1e-5


@pytest.mark.parametrize("reduce", ["max", "mean"])
def test_group_pool_after_group_conv_is_invariant_to_rot90(reduce):
    net = _net("C4")
    pool = GroupPool(reduce)
    x = torch.randn(2, 2, 8, 8)
    y = pool(net(x))
    assert y.shape == (2, 4, 8, 8)
    for k in range(4):
        turned = pool(net(torch.rot90(x, k, dims=(-2, -1))))
        # Invariant along the group axis: the maps only rotate like an image ...
        assert torch.allclose(turned, torch.rot90(y, k, dims=(-2, -1)), atol=1e-5)
        # ... and after spatial pooling the features do not change at all.
        assert torch.allclose(turned.mean((-2, -1)), y.mean((-2, -1)), atol=1e-5)


def test_expanded_weight_holds_rotated_kernels():
    lift = GroupConv2d(1, 1, 3, "C4", lifting=True, bias=False)
    w = lift.expanded_weight()
    for r in range(4):
        assert torch.equal(w[r, 0], torch.rot90(lift.weight[0, 0], r, dims=(-2, -1)))


def test_gradients_reach_the_weights():
    conv = GroupConv2d(2, 2, 3, "D4")
    conv(torch.randn(1, 2, 8, 5, 5)).square().sum().backward()
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0


def test_even_kernel_is_rejected():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        GroupConv2d(1, 1, 4, "C4")


def test_unknown_group_is_rejected():
    with pytest.raises(ValueError, match="group must be one of"):
        GroupConv2d(1, 1, 3, "C5")


def test_wrong_input_shape_names_the_expected_one():
    with pytest.raises(ValueError, match=r"\(B, 3, 4, H, W\)"):
        GroupConv2d(3, 2, 3, "C4")(torch.randn(1, 3, 8, 8))


def test_repr_shows_hyper_parameters():
    text = repr(GroupConv2d(1, 2, 3, "D4", lifting=True))
    assert "group=D4" in text and "lifting=True" in text
