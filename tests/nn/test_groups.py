"""The finite rotation/reflection groups: algebra and action agree."""

import pytest
import torch

from invlab.nn import FiniteGroup
from invlab.transforms import Flip, Rotate, Rotate90


@pytest.mark.parametrize("name", ["C4", "D4", "C8", "D2"])
def test_action_is_a_homomorphism(name):
    # Acting with b then a equals acting with the product a·b.
    g = FiniteGroup(name)
    x = torch.randn(2, 7, 7, dtype=torch.float64)
    for a in range(g.order):
        for b in range(g.order):
            # C8's 45° steps interpolate; its quarter turns (even indices) are exact.
            if g.exact or (a % 2 == 0 and b % 2 == 0):
                assert torch.equal(g.act(g.act(x, b), a), g.act(x, g.compose(a, b)))
    table = g.cayley_table()
    # Latin square: every row and column is a permutation.
    for row in table:
        assert sorted(row.tolist()) == list(range(g.order))
    assert all(g.compose(a, g.inverse(a)) == 0 for a in range(g.order))


def test_quarter_turn_of_c8_is_rot90_and_45_degrees_interpolates():
    g = FiniteGroup("C8")
    x = torch.randn(1, 1, 9, 9)
    assert torch.equal(g.act(x, 2), torch.rot90(x, 1, dims=(-2, -1)))
    # Two 45° interpolated turns approximate one exact quarter turn (smooth image).
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 17), torch.linspace(-1, 1, 17), indexing="ij")
    smooth = torch.exp(-((xx - 0.3) ** 2 + (yy + 0.1) ** 2) * 4).reshape(1, 1, 17, 17)
    err = (g.act(g.act(smooth, 1), 1) - g.act(smooth, 2)).abs().max()
    assert err < 0.08  # measured 0.049: bilinear interpolation error


def test_regular_permutation_matches_composition():
    g = FiniteGroup("D4")
    for a in range(8):
        perm = g.regular_permutation(a)
        assert [g.compose(a, int(perm[h])) for h in range(8)] == list(range(8))


def test_transformation_matrices_are_permutations_for_exact_groups():
    m = FiniteGroup("D4").transformation_matrices(5)
    assert m.shape == (8, 25, 25)
    assert torch.equal(m.sum(1), torch.ones(8, 25)) and torch.equal(m.sum(2), torch.ones(8, 25))


@pytest.mark.parametrize("bad", ["C3", "SO2", "D5", "c"])
def test_unsupported_group_name_is_rejected(bad):
    with pytest.raises(ValueError, match="group must be one of"):
        FiniteGroup(bad)


def test_group_name_must_be_a_string():
    with pytest.raises(TypeError, match="group"):
        FiniteGroup(4)


@pytest.mark.parametrize("name", ["C4", "C8", "C16", "D8"])
def test_group_rotation_is_transforms_rotate_at_the_same_angle(name):
    # One rotation convention: R^r of the group is Rotate by 360·r/n degrees, bit for bit,
    # and a reflection element is Flip then Rotate.
    g = FiniteGroup(name)
    x = torch.randn(3, 2, 9, 9, dtype=torch.float64)
    for a in range(g.order):
        r, m = g.element(a)
        degrees = torch.full((3, 1), 360.0 * r / g.rotations, dtype=torch.float64)
        flipped = Flip().apply(x, torch.ones(3, 1)) if m else x
        assert torch.equal(g.act(x, a), Rotate().apply(flipped, degrees))
    quarter = g.act(x, g.index(g.rotations // 4, 0))
    assert torch.equal(quarter, Rotate90().apply(x, torch.ones(3, 1)))
    assert not torch.equal(quarter, x)


def test_non_square_images_rotate_only_by_quarter_turns():
    x = torch.randn(2, 5, 7)
    assert FiniteGroup("C4").act(x, 1).shape == (2, 7, 5)
    with pytest.raises(ValueError, match="x must be square"):
        FiniteGroup("C8").act(x, 1)
