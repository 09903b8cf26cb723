"""Shift: circular and zero-filled integer translations with per-sample parameters."""

import pytest
import torch

from invlab.transforms import Compose, Shift


def test_circular_shift_matches_roll_per_sample():
    x = torch.randn(4, 2, 10)
    params = torch.tensor([[0.0], [1.0], [-3.0], [9.0]])
    out = Shift(9).apply(x, params)
    for i, s in enumerate([0, 1, -3, 9]):
        assert torch.equal(out[i], torch.roll(x[i], s, dims=-1))


def test_zero_fill_inserts_zeros():
    x = torch.arange(1.0, 6.0).reshape(1, 5)
    assert Shift(2, mode="zeros").apply(x, torch.tensor([2.0])).tolist() == [[0, 0, 1, 2, 3]]
    assert Shift(2, mode="zeros").apply(x, torch.tensor([-2.0])).tolist() == [[3, 4, 5, 0, 0]]


def test_2d_shift_matches_roll():
    x = torch.randn(3, 1, 6, 7)
    params = torch.tensor([[1.0, -2.0], [0.0, 3.0], [-5.0, 6.0]])
    out = Shift(6, dims=2).apply(x, params)
    for i, (dy, dx) in enumerate(params.long().tolist()):
        assert torch.equal(out[i], torch.roll(x[i], (dy, dx), dims=(-2, -1)))


@pytest.mark.parametrize("mode", ["circular", "zeros"])
def test_inverse_undoes(mode):
    x = torch.randn(8, 1, 20)
    t = Shift(5, mode=mode)
    p = t.sample(8, generator=torch.Generator().manual_seed(0))
    back = t.apply(t.apply(x, p), t.inverse_params(p))
    if mode == "circular":
        assert torch.equal(back, x)
    else:  # what was pushed out is lost, everything else comes back
        keep = back != 0
        assert torch.equal(back[keep], x[keep])
        assert keep.sum() >= x.numel() - 8 * 5


def test_composition_of_circular_shifts_adds_parameters():
    x = torch.randn(5, 30)
    t = Compose([Shift(4), Shift(6)])
    p = t.sample(5, generator=torch.Generator().manual_seed(3))
    total = p.sum(dim=1, keepdim=True)
    assert torch.equal(t.apply(x, p), Shift(10).apply(x, total))
    assert torch.equal(t.inverse().apply(t.apply(x, p), t.inverse_params(p)), x)


def test_grid_is_evenly_spaced_and_covers_the_range():
    g = Shift(8).grid(9)
    assert g.squeeze(1).tolist() == [-8, -6, -4, -2, 0, 2, 4, 6, 8]
    assert Shift(2, dims=2).grid(5).shape == (25, 2)
    assert Compose([Shift(1), Shift(2)]).grid(3).shape == (9, 2)


def test_sample_is_seeded_and_in_range():
    a = Shift(3).sample(100, generator=torch.Generator().manual_seed(7))
    b = Shift(3).sample(100, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    assert a.min() >= -3 and a.max() <= 3 and len(a.unique()) == 7


def test_call_with_random_parameters_keeps_shape_and_dtype():
    x = torch.randn(4, 3, 12, dtype=torch.float64)
    y = Shift(2)(x, generator=torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.dtype == x.dtype


def test_shift_is_differentiable():
    x = torch.randn(2, 10, requires_grad=True)
    Shift(3).apply(x, torch.tensor([[2.0], [-1.0]])).pow(2).sum().backward()
    assert torch.allclose(x.grad, 2 * x.detach())


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="not smaller than the signal's length 10"):
        Shift(20).apply(torch.randn(2, 10), torch.tensor([12.0]))
    with pytest.raises(ValueError, match="x must have at least 3 dimension"):
        Shift(2, dims=2).apply(torch.randn(8, 8), torch.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"params for Shift must have shape \(B, 1\)"):
        Shift(2).apply(torch.randn(3, 10), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="params has 2 rows but the batch x has 3"):
        Shift(2).apply(torch.randn(3, 10), torch.zeros(2, 1))
    with pytest.raises(ValueError, match="mode must be one of"):
        Shift(2, mode="reflect")
    with pytest.raises(ValueError, match="max_shift must be >= 0"):
        Shift(-1)
    with pytest.raises(ValueError, match="empty"):
        Shift(2).apply(torch.zeros(0, 10), torch.zeros(0, 1))
    with pytest.raises(TypeError, match="transforms\\[1\\] must be a Transform"):
        Compose([Shift(1), "shift"])
