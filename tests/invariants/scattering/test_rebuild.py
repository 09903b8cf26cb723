"""Attributes changed after construction are honoured, never stale (issue #23, R4, R5, R7)."""

import pytest
import torch

from _kymatio import TOL, kymatio, rel_err
from invlab.invariants.scattering import Scattering1D, Scattering2D


def test_max_order_assignment_computes_order_2():  # R4: a silent wrong answer before
    x = torch.randn(2, 1024)
    S = Scattering1D(6, 1024, 8, max_order=1)
    S.max_order = 2
    fresh = Scattering1D(6, 1024, 8, max_order=2)
    out = S(x)
    assert out.shape[-2] == S.output_size() == fresh.output_size() == len(S.meta()["key"])
    assert torch.equal(out, fresh(x))
    assert rel_err(out, kymatio("Scattering1D", 6, 1024, 8)(x)) <= TOL
    S.max_order = 1
    assert torch.equal(S(x), Scattering1D(6, 1024, 8, max_order=1)(x))


@pytest.mark.parametrize(
    "name, value",
    [("J", 4), ("Q", (4, 2)), ("T", 16), ("oversampling", 1), ("padding", "zeros"), ("N", 256)],
)
def test_every_1d_attribute_assignment_matches_a_fresh_build(name, value):  # R4
    x = torch.randn(2, 512)
    args = dict(J=5, shape=512)
    S = Scattering1D(**args)
    setattr(S, name, value)
    fresh = Scattering1D(**{**args, {"N": "shape"}.get(name, name): value})
    assert torch.equal(S(x), fresh(x))
    assert S.output_size() == fresh.output_size()


def test_2d_attribute_assignment_matches_a_fresh_build():  # R4
    x = torch.randn(2, 32, 32)
    S = Scattering2D(2, (32, 32), L=4, max_order=1)
    S.max_order, S.L, S.J = 2, 6, 3
    assert torch.equal(S(x), Scattering2D(3, (32, 32), L=6)(x))
    S.pre_pad = True
    xp = torch.randn(2, *S.padded_shape)
    assert S._M_padded == S.padded_shape[0]
    assert torch.equal(S(xp), Scattering2D(3, (32, 32), L=6, pre_pad=True)(xp))


def test_refused_assignment_leaves_the_module_unchanged():  # R4
    x = torch.randn(2, 64)
    S = Scattering1D(3, 64)
    before = S(x)
    with pytest.raises(ValueError, match="J=9 is too large"):
        S.J = 9
    with pytest.raises(ValueError, match="max_order must be one of"):
        S.max_order = 3
    assert S.J == 3 and S.max_order == 2
    assert torch.equal(S(x), before)


def test_rebuild_keeps_device_dtype_and_hooks():
    S = Scattering1D(3, 64).double()
    calls = []
    S.register_forward_hook(lambda m, i, o: calls.append(o.shape))
    S.max_order = 1
    assert all(b.dtype in (torch.float64, torch.int64) for b in S.buffers())
    S(torch.randn(1, 64, dtype=torch.float64))
    assert calls == [torch.Size([1, Scattering1D(3, 64, max_order=1).output_size(), 8])]


def test_out_type_is_checked_at_call_time():  # R5
    x = torch.randn(2, 64)
    S1 = Scattering1D(3, 64, T=0, out_type="dict")
    S1.out_type = "array"
    with pytest.raises(ValueError, match="Please set out_type to 'list' or 'dict'"):
        S1(x)
    S1.out_type = "nonsense"
    with pytest.raises(ValueError, match="out_type must be one of"):
        S1(x)
    S2 = Scattering2D(2, (16, 16))
    S2.out_type = "dict"  # Kymatio's 2D has no 'dict'
    with pytest.raises(ValueError, match="out_type must be one of 'array', 'list'; got 'dict'"):
        S2(torch.randn(16, 16))
    S2.out_type = "list"
    assert isinstance(S2(torch.randn(16, 16)), list)


def test_2d_list_entries_have_kymatios_n():  # R7
    x = torch.randn(2, 16, 16)
    got = Scattering2D(2, (16, 16), L=4, out_type="list")(x)
    expected = kymatio("Scattering2D", 2, (16, 16), L=4, out_type="list")(x)
    assert [g.keys() for g in got] == [e.keys() for e in expected]
    for g, e in zip(got, expected):
        assert (g["n"], g["j"], g["theta"]) == (e["n"], e["j"], e["theta"])
        assert rel_err(g["coef"], e["coef"]) <= TOL


def test_1d_filter_metadata_is_kymatios():
    S, K = Scattering1D(6, 1024, 8), kymatio("Scattering1D", 6, 1024, 8)
    for ours, theirs in ((S.psi1_f, K.psi1_f), (S.psi2_f, K.psi2_f)):
        assert [f["j"] for f in ours] == [f["j"] for f in theirs]
        assert [f["xi"] for f in ours] == pytest.approx([f["xi"] for f in theirs])
