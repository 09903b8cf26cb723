"""Rotate, Rotate90 and Flip: exact group actions where they exist, bilinear elsewhere."""

import pytest
import torch

from invlab.transforms import Compose, Flip, Rotate, Rotate90, Shift


def _disc(n: int, radius: float) -> torch.Tensor:
    r = torch.arange(n) - (n - 1) / 2
    return (r[:, None] ** 2 + r[None, :] ** 2) <= radius**2


def test_rotate_by_multiples_of_90_equals_rot90_exactly():
    x = torch.randn(3, 2, 11, 11)
    for k in range(-4, 5):
        out = Rotate().apply(x, torch.tensor([90.0 * k]))
        assert torch.equal(out, torch.rot90(x, k, (-2, -1)))


def test_rotate_mixed_batch_takes_exact_path_per_sample():
    x = torch.randn(3, 1, 12, 12)
    out = Rotate().apply(x, torch.tensor([[90.0], [33.0], [180.0]]))
    assert torch.equal(out[0], torch.rot90(x[0], 1, (-2, -1)))
    assert torch.equal(out[2], torch.rot90(x[2], 2, (-2, -1)))
    assert not torch.allclose(out[1], x[1])


def test_rotate_by_zero_is_identity_and_close_to_rot90_near_90():
    x = torch.randn(2, 1, 10, 10)
    assert torch.equal(Rotate().apply(x, torch.tensor([0.0])), x)
    near = Rotate().apply(x, torch.tensor([90.0 + 1e-3]))
    assert torch.allclose(near, torch.rot90(x, 1, (-2, -1)), atol=1e-3)


def test_rotate_then_inverse_is_close_to_identity_inside_the_disc():
    # A smooth image: bilinear interpolation error is second order in the pixel size.
    n = 48
    r = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    x = torch.exp(-((r[:, None] - 5) ** 2 + (r[None, :] + 3) ** 2) / 60.0)
    x = (x + 0.3 * torch.cos(r[:, None] / 4) * torch.sin(r[None, :] / 5)).expand(4, 1, n, n)
    t = Rotate()
    params = torch.tensor([[17.0], [-45.0], [123.0], [200.0]], dtype=torch.float64)
    back = t.apply(t.apply(x, params), t.inverse_params(params))
    inside = _disc(n, n / 2 - 2)
    err = (back - x)[..., inside].abs().max()
    assert err < 0.02
    # Outside the disc the corners were lost: the inverse is not identity there.
    assert (back - x)[..., ~inside].abs().max() > 0.05


def test_rotate_is_differentiable_in_the_image_and_the_angle():
    x = torch.randn(2, 1, 8, 8, requires_grad=True)
    angle = torch.tensor([[20.0], [50.0]], requires_grad=True)
    Rotate().apply(x, angle).square().sum().backward()
    assert x.grad is not None and bool(x.grad.abs().sum() > 0)
    assert angle.grad is not None and bool(angle.grad.abs().sum() > 0)


def test_rotate_keeps_float64():
    x = torch.randn(1, 1, 8, 8, dtype=torch.float64)
    assert Rotate().apply(x, torch.tensor([30.0])).dtype == torch.float64


def test_rotate_non_square_180_is_exact_and_shape_preserved():
    x = torch.randn(2, 1, 6, 9)
    assert torch.equal(Rotate().apply(x, torch.tensor([180.0])), x.flip(-1).flip(-2))
    assert Rotate().apply(x, torch.tensor([90.0])).shape == x.shape


def test_rotate90_is_the_group_c4():
    x = torch.randn(2, 3, 7, 7)
    t = Rotate90()
    assert t.grid(4).flatten().tolist() == [0.0, 1.0, 2.0, 3.0]
    for k in range(4):
        p = torch.tensor([float(k)])
        assert torch.equal(t.apply(x, p), torch.rot90(x, k, (-2, -1)))
        assert torch.equal(t.apply(t.apply(x, p), t.inverse_params(p)), x)


def test_rotate90_rejects_non_square_images():
    with pytest.raises(ValueError, match="x must be square"):
        Rotate90().apply(torch.randn(1, 1, 4, 5), torch.tensor([1.0]))


def test_flip_is_an_involution_and_matches_torch_flip():
    x = torch.randn(2, 1, 5, 6)
    for axis, dim in (("horizontal", -1), ("vertical", -2)):
        t = Flip(axis)
        p = torch.tensor([[1.0], [0.0]])
        out = t.apply(x, p)
        assert torch.equal(out[0], x[0].flip(dim))
        assert torch.equal(out[1], x[1])
        assert torch.equal(t.apply(out, t.inverse_params(p)), x)


def test_rotate_composes_with_shift():
    x = torch.randn(2, 1, 9, 9)
    t = Compose([Rotate(), Shift(2, dims=2)])
    assert t.param_dim == 3
    out = t.apply(x, torch.tensor([90.0, 1.0, -2.0]))
    expected = torch.roll(torch.rot90(x, 1, (-2, -1)), (1, -2), (-2, -1))
    assert torch.equal(out, expected)
    assert t(x, generator=torch.Generator().manual_seed(0)).shape == x.shape


def test_sample_and_grid_follow_the_contract():
    t = Rotate((30.0, 60.0))
    g = torch.Generator().manual_seed(1)
    s = t.sample(100, generator=g)
    assert s.shape == (100, 1) and bool((s >= 30).all() and (s <= 60).all())
    assert t.grid(4).shape == (4, 1)
    assert t.trajectory(torch.randn(2, 1, 8, 8), 4).shape == (2, 4, 1, 8, 8)
    assert "angle_range=(30.0, 60.0)" in repr(t)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="angle_range"):
        Rotate((60.0, 30.0))
    with pytest.raises(ValueError, match="padding"):
        Rotate(padding="wrap")
    with pytest.raises(ValueError, match="axis"):
        Flip("diagonal")
    with pytest.raises(ValueError, match="params"):
        Rotate().apply(torch.randn(2, 1, 4, 4), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="x must have at least 3"):
        Rotate().apply(torch.randn(4, 4), torch.zeros(1))
