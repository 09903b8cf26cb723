"""Kymatio 0.3.0's constructors work unchanged on invlab's scattering (#23: R1-R3, R6, R8, R9).

Each test builds invlab's transform the way a Kymatio user does and compares the output with
live Kymatio's (or with invlab's own keyword form), so acceptance means the same numbers.
"""

import warnings

import numpy as np
import pytest
import torch

from _kymatio import TOL, kymatio, kymatio_torch, rel_err
from invlab.invariants import numpy_api
from invlab.invariants.scattering import Scattering1D, Scattering2D


def _torch_backend(dim: int):
    mod = pytest.importorskip(f"kymatio.scattering{dim}d.backend.torch_backend")
    return mod.backend


@pytest.mark.parametrize("backend", ["torch", None, "kymatio"])
def test_backend_torch_is_accepted_1d_and_2d(backend):  # R1
    b1 = _torch_backend(1) if backend == "kymatio" else backend
    b2 = _torch_backend(2) if backend == "kymatio" else backend
    x1, x2 = torch.randn(2, 64), torch.randn(2, 16, 16)
    assert torch.equal(Scattering1D(3, 64, backend=b1)(x1), Scattering1D(3, 64)(x1))
    assert torch.equal(Scattering2D(2, (16, 16), backend=b2)(x2), Scattering2D(2, (16, 16))(x2))


@pytest.mark.parametrize("backend", ["numpy", "torch_skcuda", "jax"])
def test_other_backends_are_refused_by_name(backend):  # R1
    for build in (lambda: Scattering1D(3, 64, backend=backend),
                  lambda: Scattering2D(2, (16, 16), backend=backend)):  # fmt: skip
        with pytest.raises(ImportError, match=f"backend '{backend}' is not supported") as e:
            build()
        assert isinstance(e.value, ImportError) and isinstance(e.value, ValueError)


def test_numpy_frontend_takes_kymatios_numpy_backend():
    x = np.random.default_rng(0).standard_normal((2, 64))
    S = numpy_api.Scattering1D(3, 64, 1, None, 2, None, 0, "array", "numpy")
    np.testing.assert_array_equal(S.scattering(x), numpy_api.Scattering1D(3, 64)(x))


def test_average_is_accepted_with_kymatios_warning_and_meaning():  # R2
    x = torch.randn(2, 128)
    with pytest.warns(DeprecationWarning, match="average option is deprecated"):
        avg = Scattering1D(4, 128, average=True)
    assert torch.equal(avg(x), Scattering1D(4, 128)(x))
    with pytest.warns(DeprecationWarning):
        unavg = Scattering1D(4, 128, average=False, out_type="dict")  # T=None: no averaging
    assert unavg.T == 0 and not unavg.average
    ref = Scattering1D(4, 128, T=0, out_type="dict")(x)
    got = unavg(x)
    assert got.keys() == ref.keys() and all(torch.equal(got[k], ref[k]) for k in ref)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="average must not be True if T=0"):
            Scattering1D(4, 128, T=0, average=True)
        with pytest.raises(ValueError, match="average=False is not permitted with T=16"):
            Scattering1D(4, 128, T=16, average=False)


def test_positional_order_is_kymatios():  # R3
    x1 = torch.randn(3, 256)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # (J, shape, Q, T, max_order, average, oversampling, out_type, backend)
        ours = Scattering1D(4, 256, 2, 8, 1, True, 1, "array", "torch")
        theirs = kymatio("Scattering1D", 4, 256, 2, 8, 1, True, 1, "array")
    assert (ours.oversampling, ours.out_type, ours.max_order) == (1, "array", 1)
    assert rel_err(ours(x1), theirs(x1)) <= TOL
    # 2D: (J, shape, L, max_order, pre_pad, backend, out_type)
    x2 = torch.randn(2, 16, 16)
    ours2 = Scattering2D(2, (16, 16), 4, 1, False, "torch", "list")
    theirs2 = kymatio("Scattering2D", 2, (16, 16), 4, 1, False, "torch", "list")
    assert ours2.out_type == "list"
    got, expected = ours2(x2), theirs2(x2)
    assert len(got) == len(expected)
    assert max(rel_err(g["coef"], e["coef"]) for g, e in zip(got, expected)) <= TOL


def test_numpy_integers_are_accepted():  # R6
    x1, x2 = torch.randn(2, 128), torch.randn(2, 32, 32)
    ref1, ref2 = Scattering1D(4, 128, Q=2, T=8)(x1), Scattering2D(2, (32, 32), L=4)(x2)
    for J, N, Q, T in [
        (np.int64(4), np.int64(128), np.int64(2), np.int64(8)),
        (np.array(4), np.array(128), (np.int32(2),), np.array(8)),
        (np.int16(4), (np.int64(128),), np.int64(2), 8),
    ]:
        assert torch.equal(Scattering1D(J, N, Q=Q, T=T)(x1), ref1)
    for J, shape, L in [
        (np.array(2), np.array([32, 32]), np.int64(4)),
        (np.int64(2), (np.int64(32), np.int32(32)), np.array(4)),
    ]:
        S = Scattering2D(J, shape, L=L)
        assert type(S.J) is int and S.shape == (32, 32)
        assert torch.equal(S(x2), ref2)


def test_exception_types_are_kymatios_and_invlabs():  # R8
    with pytest.raises(RuntimeError, match="smallest dimension") as e:
        Scattering2D(10, (10, 10))
    assert isinstance(e.value, ValueError)
    S = Scattering2D(3, (32, 32))
    for bad in (torch.zeros(()), torch.zeros(32)):
        with pytest.raises(RuntimeError, match="at least two") as e:
            S(bad)
        assert isinstance(e.value, ValueError)
    with pytest.raises(RuntimeError, match="Padded tensor must be of spatial size") as e:
        Scattering2D(3, (32, 32), pre_pad=True)(torch.randn(31, 31))
    assert isinstance(e.value, ValueError)
    with pytest.raises(ValueError, match="1-tuple") as e:
        Scattering1D(6, 1.5, 8)
    assert isinstance(e.value, TypeError)
    with pytest.raises(ValueError, match="exactly one element"):
        Scattering1D(6, (5, 6), 8)
    with pytest.raises(ValueError, match="Q should always be >= 1"):
        Scattering1D(3, 1024, Q=0.9)
    with pytest.raises(ValueError, match="at least one axis"):
        Scattering1D(3, 1024)(torch.zeros(()))
    with pytest.raises(ValueError, match="nonnegative"):
        Scattering1D(3, 1024, oversampling=-1)
    with pytest.raises(TypeError, match="input should be"):
        S(None)


def test_Q_as_a_list_is_refused_and_a_1_tuple_means_Q2_1():  # R9
    with pytest.raises(ValueError, match="Q must be an integer or a tuple") as e:
        Scattering1D(3, 1024, Q=[8])
    assert isinstance(e.value, TypeError)
    with pytest.raises(ValueError):  # Kymatio refuses it too
        kymatio_torch.Scattering1D(3, 1024, Q=[8])
    assert Scattering1D(3, 1024, Q=(8,)).Q == Scattering1D(3, 1024, Q=(8, 1)).Q == (8, 1)
