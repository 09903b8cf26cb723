"""Properties: group convolutions are equivariant, group pooling makes them invariant.

For ``a`` in the group and generated inputs (odd and even square sizes, channels, kernel
sizes, strides, padding modes, float32/float64):

* lifting: ``conv(a·x) = ρ(a) conv(x)`` with ``ρ(a)`` = rotate the maps and permute the group
  axis (:meth:`FiniteGroup.act_regular`);
* group to group: ``conv(ρ(a) f) = ρ(a) conv(f)``;
* ``GroupPool`` then a global spatial mean: invariant to ``a``.

Exact (``1e-5`` float32, ``1e-10`` float64, relative) for every element of C1, C2, C4, D1, D2,
D4, and for the 90° subgroup (with the flips) of C8, C16, D8, D16, whose other rotations are
bilinear and only approximately equivariant, as documented in :mod:`invlab.nn.group_conv`.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from _hypothesis_profiles import budget, dtypes, randn, rel_change, rtol, seeds
from invlab.nn import GROUP_NAMES, FiniteGroup, GroupConv2d, GroupPool

# One torch thread: these tensors are tiny, and on a loaded machine a 2-thread pool stalls
# at every op (about 30x slower here); bit-for-bit comparisons also want a fixed count.
pytestmark = pytest.mark.usefixtures("one_torch_thread")

every_group = pytest.mark.parametrize("group", GROUP_NAMES)


def exact_elements(group: FiniteGroup) -> list[int]:
    """Elements that act exactly on pixel grids: rotations by multiples of 90°, any flip."""
    quarter = max(1, group.rotations // 4)
    return [a for a in range(group.order) if group.element(a)[0] % quarter == 0]


@st.composite
def conv_geometry(draw):
    """Kernel size, padding, stride and an image size for which stride keeps equivariance."""
    k = draw(st.sampled_from([1, 3, 5]), label="kernel_size")
    stride = draw(st.integers(1, 3), label="stride")
    mode = draw(st.sampled_from(["zeros", "circular", "reflect", "replicate"]), label="mode")
    padding = draw(st.one_of(st.none(), st.integers(0, 2)), label="padding")
    p = k // 2 if padding is None else padding
    # equivariance needs (H + 2p − k) divisible by the stride; reflect needs p < H
    low = max(1, k - 2 * p, p + 1)
    m = draw(st.integers(0, 4), label="m")
    h = low + ((-(low + 2 * p - k)) % stride) + stride * m
    return k, stride, mode, padding, h


@every_group
@budget(5)
@given(
    geometry=conv_geometry(),
    c_in=st.integers(1, 2),
    c_out=st.integers(1, 2),
    b=st.integers(1, 2),
    dtype=dtypes,
    seed=seeds,
)
@torch.no_grad()
def test_lifting_convolution_is_equivariant(group, geometry, c_in, c_out, b, dtype, seed):
    k, stride, mode, padding, h = geometry
    torch.manual_seed(seed)
    conv = GroupConv2d(
        c_in, c_out, k, group, lifting=True, stride=stride, padding=padding, padding_mode=mode
    ).to(dtype)
    torch.nn.init.normal_(conv.bias)
    g = conv.group
    x = randn(seed, b, c_in, h, h, dtype=dtype)
    out = conv(x)
    assert out.shape[:3] == (b, c_out, g.order)
    for a in exact_elements(g):
        assert rel_change(conv(g.act(x, a)), g.act_regular(out, a)) <= rtol(dtype), a


@every_group
@budget(4)
@given(
    geometry=conv_geometry(),
    c_in=st.integers(1, 2),
    c_out=st.integers(1, 2),
    dtype=dtypes,
    seed=seeds,
)
@torch.no_grad()
def test_group_convolution_is_equivariant(group, geometry, c_in, c_out, dtype, seed):
    k, stride, mode, padding, h = geometry
    torch.manual_seed(seed)
    conv = GroupConv2d(c_in, c_out, k, group, stride=stride, padding=padding, padding_mode=mode).to(
        dtype
    )
    g = conv.group
    f = randn(seed, 2, c_in, g.order, h, h, dtype=dtype)
    out = conv(f)
    for a in exact_elements(g):
        assert rel_change(conv(g.act_regular(f, a)), g.act_regular(out, a)) <= rtol(dtype), a


@every_group
@budget(3)
@given(
    h=st.integers(3, 10),
    reduce=st.sampled_from(["max", "mean"]),
    dtype=dtypes,
    seed=seeds,
)
@torch.no_grad()
def test_group_pool_then_global_pool_is_invariant(group, h, reduce, dtype, seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        GroupConv2d(1, 3, 3, group, lifting=True),
        torch.nn.ReLU(),
        GroupConv2d(3, 2, 3, group),
        torch.nn.ReLU(),
        GroupPool(reduce),
    ).to(dtype)
    g = FiniteGroup(group)
    x = randn(seed, 2, 1, h, h, dtype=dtype)
    maps = net(x)
    assert maps.shape == (2, 2, h, h)
    features = maps.mean(dim=(-2, -1))
    for a in exact_elements(g):
        moved = net(g.act(x, a))
        # the pooled maps transform like images, and their spatial mean not at all
        assert rel_change(moved, g.act(maps, a)) <= rtol(dtype), a
        assert rel_change(moved.mean(dim=(-2, -1)), features) <= rtol(dtype), a


@every_group
@budget(5)
@given(h=st.integers(1, 9), seed=seeds, data=st.data())
def test_the_group_acts_on_images_as_its_cayley_table_says(group, h, seed, data):
    """``act(act(x, b), a) = act(x, a·b)`` and ``act(act(x, a), a⁻¹) = x`` on the exact part."""
    g = FiniteGroup(group)
    elements = exact_elements(g)
    a = data.draw(st.sampled_from(elements), label="a")
    b = data.draw(st.sampled_from(elements), label="b")
    x = randn(seed, 2, h, h)
    assert torch.equal(g.act(g.act(x, b), a), g.act(x, g.compose(a, b)))
    assert torch.equal(g.act(g.act(x, a), g.inverse(a)), x)
