"""NumPy entry point and scikit-learn transformer: array in, array out, inside pipelines."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from invlab.invariants import numpy_api
from invlab.invariants.scattering import Scattering1D, Scattering2D
from invlab.invariants.sklearn import InvariantTransformer


def test_numpy_frontend_matches_torch_and_keeps_dtype():
    x = np.random.default_rng(0).standard_normal((4, 64))
    S = numpy_api.Scattering1D(J=3, shape=64)
    out = S(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    expected = Scattering1D(3, 64)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    assert S(x.astype(np.float32)).dtype == np.float32
    assert S.output_size() == out.shape[-2] and S.meta()["order"].shape == (out.shape[-2],)
    U = numpy_api.Scattering1D(J=3, shape=64, T=0, out_type="dict")(x)  # keys as Kymatio's
    assert list(U) == S.meta()["key"] and all(isinstance(u, np.ndarray) for u in U.values())
    np.testing.assert_array_equal(U[()], x)
    img = numpy_api.Scattering2D(J=2, shape=(8, 8), L=4)
    assert img.scattering(np.zeros((2, 8, 8), dtype=np.float32)).shape == (2, 25, 2, 2)


def test_transformer_in_a_pipeline_classifies_digits():
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X[:600], y[:600], test_size=0.3, random_state=0)
    pipe = make_pipeline(
        InvariantTransformer(Scattering2D(J=2, shape=(8, 8), L=8), input_shape=(8, 8), log=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    pipe.fit(Xtr, ytr)
    assert pipe.score(Xte, yte) > 0.85
    assert pipe[0].transform(Xte[:3]).shape == (3, 81 * 2 * 2)


def test_transformer_is_generic_and_clonable():
    class Energy(torch.nn.Module):  # any invariant module: here, the signal's energy
        def forward(self, x):
            return x.square().sum(-1, keepdim=True)

    t = InvariantTransformer(Energy, batch_size=2)
    X = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(t.fit(X).transform(X)[:, 0], (X**2).sum(1))
    c = clone(t)
    assert c.get_params()["batch_size"] == 2 and not hasattr(c, "module_")


def test_transformer_errors():
    t = InvariantTransformer(Scattering1D(2, 16), input_shape=(16,))
    with pytest.raises(ValueError, match="input_shape"):
        t.fit(np.zeros((3, 15)))
    with pytest.raises(RuntimeError, match="fit"):
        InvariantTransformer(Scattering1D(2, 16)).transform(np.zeros((2, 16)))
    with pytest.raises(ValueError, match="batch_size"):
        InvariantTransformer(Scattering1D(2, 16), batch_size=0).fit(np.zeros((2, 16)))
    with pytest.raises(TypeError, match="invariant"):
        InvariantTransformer("scattering").fit(np.zeros((2, 16)))
