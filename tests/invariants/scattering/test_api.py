"""Kymatio's API beyond the averaged array: T=0, out_type='dict', 2D images of any size."""

import pytest
import torch

from _kymatio import TOL, kymatio, rel_err
from invlab.invariants.scattering import Scattering1D, Scattering2D

CASES_1D = [  # J, N, Q, oversampling, max_order, batch
    (4, 40, 1, 0, 2, (5,)),
    (3, 100, (2, 2), 0, 2, (2, 3)),
    (5, 257, (3, 2), 0, 2, (3,)),
    (6, 1024, 8, 0, 2, (2,)),
    (2, 33, 1, 2, 2, (4,)),
    (4, 128, 4, 1, 1, ()),
]


@pytest.mark.parametrize("J, N, Q, oversampling, max_order, batch", CASES_1D)
def test_unaveraged_list_matches_kymatio(J, N, Q, oversampling, max_order, batch):
    torch.manual_seed(0)
    kwargs = dict(Q=Q, T=0, oversampling=oversampling, max_order=max_order, out_type="list")
    x = torch.randn(*batch, N)
    got, expected = Scattering1D(J, N, **kwargs)(x), kymatio("Scattering1D", J, N, **kwargs)(x)
    assert [c["n"] for c in got] == [c["n"] for c in expected]
    assert [c["j"] for c in got] == [c["j"] for c in expected]
    if oversampling < J:  # each coefficient at its own resolution: not stackable
        assert len({c["coef"].shape[-1] for c in got}) > 1
    for g, e in zip(got, expected):
        assert g["coef"].shape == e["coef"].shape
        assert rel_err(g["coef"], e["coef"]) <= TOL
    assert torch.equal(got[0]["coef"], x)  # order 0 without averaging is x itself


@pytest.mark.parametrize("J, N, Q, oversampling, max_order, batch", CASES_1D)
def test_unaveraged_dict_matches_kymatio(J, N, Q, oversampling, max_order, batch):
    torch.manual_seed(1)
    kwargs = dict(Q=Q, T=0, oversampling=oversampling, max_order=max_order, out_type="dict")
    ours = Scattering1D(J, N, **kwargs)
    x = torch.randn(*batch, N)
    got, expected = ours(x), kymatio("Scattering1D", J, N, **kwargs)(x)
    assert list(got) == list(expected) == ours.meta()["key"]
    for key, e in expected.items():
        assert got[key].shape == e.shape
        assert rel_err(got[key], e) <= TOL


@pytest.mark.parametrize("J, N, Q, oversampling, max_order, batch", CASES_1D[:4])
def test_averaged_dict_matches_kymatio_and_meta(J, N, Q, oversampling, max_order, batch):
    torch.manual_seed(2)
    kwargs = dict(Q=Q, oversampling=oversampling, max_order=max_order)
    ours = Scattering1D(J, N, out_type="dict", **kwargs)
    x = torch.randn(*batch, N)
    got = ours(x)
    expected = kymatio("Scattering1D", J, N, out_type="dict", **kwargs)(x)
    meta = ours.meta()
    assert list(got) == list(expected) == meta["key"]
    array = Scattering1D(J, N, **kwargs)(x)
    for c, (key, e) in enumerate(expected.items()):
        assert rel_err(got[key], e) <= TOL
        assert torch.equal(got[key], array[..., c, :])  # channel c of the array is meta's c
        assert meta["order"][c] == len(key)


def test_unaveraged_output_is_differentiable():
    S = Scattering1D(3, 32, T=0, out_type="dict")
    x = torch.randn(1, 32, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: S(x)[(0, 3)], (x,))


@pytest.mark.parametrize(
    "J, shape, size, L, max_order",
    [
        (2, (28, 28), (31, 17), 8, 2),  # odd and not square
        (2, (28, 28), (4, 9), 4, 2),  # as small as 2**J allows
        (3, (32, 32), (45, 40), 4, 2),
        (1, (8, 8), (13, 6), 6, 1),
    ],
)
def test_2d_any_image_size_matches_kymatio_built_for_that_size(J, shape, size, L, max_order):
    torch.manual_seed(3)
    ours = Scattering2D(J, shape, L=L, max_order=max_order)
    x = torch.randn(2, *size)
    expected = kymatio("Scattering2D", J, size, L=L, max_order=max_order)(x)
    got = ours(x)
    assert got.shape == expected.shape
    assert rel_err(got, expected) <= TOL
    y = torch.randn(2, *shape)  # the constructor's size still works, and is unchanged
    assert rel_err(ours(y), kymatio("Scattering2D", J, shape, L=L, max_order=max_order)(y)) <= TOL


def test_2d_pre_padded_input_of_another_size_matches_kymatio():
    ours = Scattering2D(2, (16, 16), L=4, pre_pad=True)
    theirs = kymatio("Scattering2D", 2, (10, 7), L=4, pre_pad=True)
    x = torch.randn(2, theirs._M_padded, theirs._N_padded)
    assert rel_err(ours(x), theirs(x)) <= TOL


def test_2d_filters_for_a_new_size_are_buffers_that_move_with_the_module():
    S = Scattering2D(2, (12, 12), L=4)
    saved = set(S.state_dict())
    x = torch.randn(1, 15, 10)
    first = S(x)
    names = {n for n, _ in S.named_buffers()}
    assert any(n.startswith("size15x10_psi_") for n in names)
    assert set(S.state_dict()) == saved  # only the constructor's size is persistent
    S.double()
    assert all(b.dtype == torch.float64 for n, b in S.named_buffers() if "index" not in n)
    again = S(x.double())
    assert again.dtype == torch.float64
    assert torch.allclose(again.float(), first, atol=1e-6)


def test_bad_arguments_and_inputs_name_what_is_wrong():
    with pytest.raises(ValueError, match=r"out_type='array' needs averaging, but T=0"):
        Scattering1D(3, 64, T=0)
    with pytest.raises(ValueError, match="out_type must be one of"):
        Scattering1D(3, 64, out_type="tuple")
    with pytest.raises(ValueError, match=r"T must be >= 0"):
        Scattering1D(3, 64, T=-1)
    S2 = Scattering2D(3, (32, 32), L=4)
    with pytest.raises(ValueError, match=r"x has spatial size \(32, 7\), smaller than 2\*\*J = 8"):
        S2(torch.randn(1, 32, 7))
    with pytest.raises(ValueError, match=r"pre_pad=True.*multiples of 2\*\*J = 8"):
        Scattering2D(3, (32, 32), L=4, pre_pad=True)(torch.randn(1, 44, 48))
    with pytest.raises(ValueError, match="rotation_invariant=True needs square images"):
        Scattering2D(2, (16, 16), L=4, rotation_invariant=True)(torch.randn(1, 16, 20))


@pytest.mark.parametrize(
    "key, message",
    [
        ((0, 0), r"key \(0, 0\) is not a second-order path: it needs j2 > j1"),
        ((0, 1, 2), r"key \(0, 1, 2\) asks for order 3, but this transform has max_order=2"),
        (3, r"key must be a tuple .* got 3; did you mean \(3,\)\?"),
        ((9,), r"key \(9,\) has a filter index out of range"),
        (("a",), r"key must be a tuple of int filter indices"),
    ],
)
def test_dict_key_of_the_wrong_order_says_why(key, message):
    for T in (None, 0):
        out = Scattering1D(3, 64, T=T, out_type="dict")(torch.randn(2, 64))
        assert (0, 3) in out and out.get(key) is None  # still a plain dict
        with pytest.raises(KeyError, match=message):
            out[key]
    first_order = Scattering1D(3, 64, max_order=1, out_type="dict")(torch.randn(64))
    with pytest.raises(KeyError, match=r"asks for order 2, but this transform has max_order=1"):
        first_order[(0, 3)]
