"""The numpy and scikit-learn wrappers are boundaries: NaN or inf input is a ValueError (#19)."""

import numpy as np
import pytest
import torch

from invlab.invariants import numpy_api
from invlab.invariants.fourier import FourierModulus
from invlab.invariants.scattering import Scattering1D, Scattering2D
from invlab.invariants.sklearn import InvariantTransformer


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_numpy_frontends_refuse_non_finite_x(bad):
    x = np.random.default_rng(0).standard_normal((3, 64))
    x[1, 7] = bad
    for S in (numpy_api.Scattering1D(3, 64), numpy_api.Scattering2D(2, (8, 8))):
        arr = x if isinstance(S, numpy_api.Scattering1D) else x.reshape(3, 8, 8)
        with pytest.raises(ValueError, match=r"Input x contains NaN or infinity .*1 "):
            S(arr)
    with pytest.raises(ValueError, match="Input x contains NaN or infinity"):
        numpy_api.apply_numpy(FourierModulus(), x.astype(np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_sklearn_transformer_refuses_non_finite_X_in_fit_and_transform(bad):
    X = np.random.default_rng(1).standard_normal((4, 64))
    t = InvariantTransformer(Scattering2D(2, (8, 8)), input_shape=(8, 8)).fit(X)
    X_bad = X.copy()
    X_bad[2, 5] = bad
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        t.transform(X_bad)
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        InvariantTransformer(Scattering2D(2, (8, 8)), input_shape=(8, 8)).fit(X_bad)
    # the same rows without the bad value are transformed as before
    assert np.isfinite(t.transform(X)).all()


def test_inside_torch_modules_nan_propagates():
    x = torch.randn(2, 64)
    x[0, 3] = torch.nan
    out = Scattering1D(3, 64)(x)
    assert out[0].isnan().any() and not out[1].isnan().any()


def test_numpy_frontend_refuses_non_arrays_with_kymatios_type():
    with pytest.raises(TypeError, match="the input should be a real numeric NumPy array"):
        numpy_api.Scattering2D(2, (8, 8))(None)
