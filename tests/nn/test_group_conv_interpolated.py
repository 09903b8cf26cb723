"""C8 and C16 group convolutions at angles off the 90° grid: their kernels are rotated by
bilinear interpolation, so they are equivariant there only approximately, the better the larger
(and smoother) the kernel.

Measured here on a smooth input with an oriented smooth kernel (a derivative of Gaussian),
as the relative error of ``lift(g·x)`` against ``ρ(g)·lift(x)`` away from the border, at the
smallest angle of the group (45° for C8, 22.5° for C16): C8 0.275 with 3×3 kernels (σ 0.8),
0.114 with 5×5, 0.085 with 7×7; C16 0.192, 0.075, 0.058. Without the group axis's
permutation the error is 0.73 (C8) and 0.37 (C16) at every size, so the design works, but a
3×3 kernel turned by 45° keeps a quarter of its error. Multiples of 90° stay exact at every
size (tests/test_nn_group_conv.py).
"""

import pytest
import torch
import torch.nn.functional as F

from invlab.nn import FiniteGroup, GroupConv2d


def _smooth_disc(n: int = 33) -> torch.Tensor:
    torch.manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(n) - n // 2.0, torch.arange(n) - n // 2.0, indexing="ij")
    x = F.avg_pool2d(torch.randn(4, 1, n + 4, n + 4), 5, 1) * ((xx**2 + yy**2) < 100).float()
    return F.avg_pool2d(x, 3, 1, 1)


def _errors(group: str, k: int, sigma: float) -> tuple[float, float]:
    """(equivariance error, error when the group axis is not permuted) at the smallest angle,
    for a lifting convolution whose kernel is ``x·exp(−r²/2σ²)``."""
    g = FiniteGroup(group)
    lift = GroupConv2d(1, 1, k, group, lifting=True, bias=False)
    r = torch.arange(k) - k // 2.0
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    x = _smooth_disc()
    inner = slice(8, -8)  # away from the corners that a turn moves out of the canvas
    with torch.no_grad():
        lift.weight.copy_(xx * torch.exp(-(xx**2 + yy**2) / (2 * sigma**2)))
        y, moved = lift(x), lift(g.act(x, 1))
        norm = y[..., inner, inner].norm()
        equivariant = (moved - g.act_regular(y, 1))[..., inner, inner].norm() / norm
        unpermuted = (moved - g.act(y, 1))[..., inner, inner].norm() / norm
    return float(equivariant), float(unpermuted)


@pytest.mark.parametrize("group", ["C8", "C16"])
def test_seven_pixel_kernels_are_nearly_equivariant_off_the_quarter_turns(group):
    equivariant, unpermuted = _errors(group, 7, 1.5)
    assert equivariant < 0.1
    assert equivariant < 0.25 * unpermuted


def test_three_pixel_kernels_turned_by_45_degrees_keep_a_quarter_of_the_error():
    equivariant, unpermuted = _errors("C8", 3, 0.8)
    assert 0.15 < equivariant < 0.35 and equivariant < 0.5 * unpermuted
    assert _errors("C8", 7, 1.5)[0] < 0.5 * equivariant
