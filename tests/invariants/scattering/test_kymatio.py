"""invlab's scattering transforms give Kymatio 0.3.0's output, coefficient for coefficient."""

import pytest
import torch

from _kymatio import TOL, kymatio, rel_err
from invlab.invariants.scattering import Scattering1D, Scattering2D


@pytest.mark.parametrize(
    "J, N, Q, T, max_order, oversampling, batch",
    [
        (4, 40, 1, None, 2, 0, (5,)),
        (3, 100, (2, 2), None, 2, 0, (2, 3)),
        (5, 257, 1, 8, 2, 0, (3,)),
        (4, 128, 4, None, 1, 1, ()),
        (6, 1024, 8, None, 2, 0, (2,)),
        (2, 33, 1, None, 2, 2, (4,)),
    ],
)
def test_scattering1d_matches_kymatio(J, N, Q, T, max_order, oversampling, batch):
    torch.manual_seed(0)
    kwargs = dict(Q=Q, T=T, max_order=max_order, oversampling=oversampling)
    ours, theirs = Scattering1D(J, N, **kwargs), kymatio("Scattering1D", J, N, **kwargs)
    x = torch.randn(*batch, N)
    expected = theirs(x)
    got = ours(x)
    assert got.shape == expected.shape
    assert got.shape[-2] == ours.output_size()
    assert rel_err(got, expected) <= TOL


@pytest.mark.parametrize(
    "J, shape, L, max_order, batch",
    [
        (2, (28, 28), 8, 2, (3,)),
        (3, (32, 32), 8, 2, (2, 2)),
        (2, (8, 8), 8, 2, (2,)),
        (3, (8, 8), 4, 2, (2,)),  # pad equal to the image size: Kymatio's special reflection
        (1, (15, 20), 6, 2, (2,)),  # not square
        (2, (31, 17), 3, 1, (3,)),  # odd sizes, odd L, first order only
        (2, (37, 30), 4, 2, ()),  # no batch dimension
    ],
)
def test_scattering2d_matches_kymatio(J, shape, L, max_order, batch):
    torch.manual_seed(0)
    ours = Scattering2D(J, shape, L=L, max_order=max_order)
    theirs = kymatio("Scattering2D", J, shape, L=L, max_order=max_order)
    x = torch.randn(*batch, *shape)
    expected = theirs(x)
    got = ours(x)
    assert got.shape == expected.shape
    assert got.shape[-3] == ours.output_size()
    assert rel_err(got, expected) <= TOL


def test_scattering2d_pre_pad_matches_kymatio():
    ours = Scattering2D(2, (16, 16), L=4, pre_pad=True)
    theirs = kymatio("Scattering2D", 2, (16, 16), L=4, pre_pad=True)
    x = torch.randn(2, *ours.padded_shape)
    assert rel_err(ours(x), theirs(x)) <= TOL


def test_list_output_matches_kymatio_order_and_keys():
    x = torch.randn(2, 16, 16)
    ours = Scattering2D(2, (16, 16), L=4, out_type="list")
    theirs = kymatio("Scattering2D", 2, (16, 16), L=4, out_type="list")
    got, expected = ours(x), theirs(x)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g["j"] == e["j"] and g["theta"] == e["theta"]
        assert rel_err(g["coef"], e["coef"]) <= TOL
    s = torch.randn(3, 64)
    got1 = Scattering1D(3, 64, out_type="list")(s)
    exp1 = kymatio("Scattering1D", 3, 64, out_type="list")(s)
    assert [g["n"] for g in got1] == [e["n"] for e in exp1]
    assert all(rel_err(g["coef"], e["coef"]) <= TOL for g, e in zip(got1, exp1))


def test_meta_matches_kymatio_1d():
    ours, theirs = Scattering1D(5, 256, Q=(4, 2)), kymatio("Scattering1D", 5, 256, Q=(4, 2))
    m, k = ours.meta(), theirs.meta()
    for key in ("order", "xi", "sigma", "j", "n"):
        assert m[key].shape == k[key].shape
        assert torch.allclose(torch.as_tensor(m[key]), torch.as_tensor(k[key]), equal_nan=True)


def test_float64_and_non_contiguous_input():
    """Kymatio refuses both; we accept them and agree with its float32 result on a copy."""
    theirs = kymatio("Scattering2D", 2, (16, 12), L=4)
    x = torch.randn(12, 16, 2).permute(2, 1, 0)  # (2, 16, 12), not contiguous
    assert not x.is_contiguous()
    expected = theirs(x.contiguous())
    got32 = Scattering2D(2, (16, 12), L=4)(x)
    got64 = Scattering2D(2, (16, 12), L=4)(x.double())
    assert got64.dtype == torch.float64
    assert rel_err(got32, expected) <= TOL
    assert rel_err(got64.float(), expected) <= TOL
    y = torch.randn(64, 3).T  # (3, 64), not contiguous
    got1 = Scattering1D(3, 64)(y.double())
    assert rel_err(got1.float(), kymatio("Scattering1D", 3, 64)(y.contiguous())) <= TOL
