"""Group averaging makes any model exactly invariant to a finite group."""

import pytest
import torch
from torch import nn

from invlab.nn import FiniteGroup, Symmetrize
from invlab.transforms import Shift


class PositionDependent(nn.Module):
    """A deliberately non-invariant model: weights every pixel by its position, squares."""

    def __init__(self, size):
        super().__init__()
        self.register_buffer("pos", torch.arange(size * size, dtype=torch.float32).view(size, size))

    def forward(self, x):
        return torch.stack(
            [(x * self.pos).sum((-3, -2, -1)), (x**2 * self.pos.T).sum((-3, -2, -1))], 1
        )


@pytest.mark.parametrize("group", ["C4", "D4", "C2"])
@pytest.mark.parametrize("reduce", ["mean", "max"])
def test_symmetrized_model_is_exactly_invariant(group, reduce):
    g = FiniteGroup(group)
    torch.manual_seed(0)
    model = PositionDependent(6)
    x = torch.randn(3, 1, 6, 6)
    assert not torch.allclose(model(x), model(torch.rot90(x, 1, (-2, -1))))
    sym = Symmetrize(model, group, reduce)
    y = sym(x)
    for a in range(g.order):
        assert torch.allclose(sym(g.act(x, a)), y, rtol=1e-5, atol=1e-4)


def test_symmetrized_mlp_is_invariant_in_float64():
    torch.manual_seed(1)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(49, 16), nn.ReLU(), nn.Linear(16, 4)).double()
    sym = Symmetrize(mlp, "D4")
    x = torch.randn(2, 1, 7, 7, dtype=torch.float64)
    turned = torch.flip(torch.rot90(x, 3, (-2, -1)), (-1,))
    assert (sym(turned) - sym(x)).abs().max() < 1e-12


def test_all_circular_shifts_as_transform_grid_give_exact_shift_invariance():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 3))
    sym = Symmetrize(mlp, Shift(shift_range=(0, 11)), steps=12)
    x = torch.randn(4, 1, 12)
    shifted = Shift(11).apply(x, torch.tensor([[5.0], [-3.0], [1.0], [7.0]]))
    assert torch.allclose(sym(shifted), sym(x), atol=1e-6)
    assert not torch.allclose(mlp(shifted), mlp(x), atol=1e-3)


def test_list_of_callables_forming_a_group():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(10, 2))
    flips = [lambda x: x, lambda x: torch.flip(x, (-1,))]
    sym = Symmetrize(mlp, flips)
    x = torch.randn(3, 1, 10)
    assert torch.allclose(sym(torch.flip(x, (-1,))), sym(x), atol=1e-6)


def test_sampled_continuous_transform_averages_random_copies():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(10, 2))
    sym = Symmetrize(mlp, Shift(3), samples=5)
    assert sym(torch.randn(4, 1, 10)).shape == (4, 2)
    assert "samples=5" in repr(sym)


def test_bad_groups_are_rejected():
    net = nn.Identity()
    with pytest.raises(ValueError, match="group must be one of"):
        Symmetrize(net, "C5")
    with pytest.raises(TypeError, match="group must be"):
        Symmetrize(net, 4)
    with pytest.raises(ValueError, match="exactly one of steps"):
        Symmetrize(net, Shift(2))
    with pytest.raises(ValueError, match="reduce must be one of"):
        Symmetrize(net, "C4", reduce="median")
