"""scikit-learn transformer around any fixed invariant representation (a torch module).

Examples:
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from invlab.invariants.scattering import Scattering2D
    >>> pipe = make_pipeline(
    ...     InvariantTransformer(Scattering2D(J=2, shape=(8, 8)), input_shape=(8, 8)),
    ...     LogisticRegression(max_iter=1000),
    ... )
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from torch import nn

from invlab.invariants.numpy_api import apply_numpy, check_finite


class InvariantTransformer(TransformerMixin, BaseEstimator):
    """Feature extractor ``X ↦ flatten(φ(X))`` for any invlab invariant ``φ`` (no training).

    Args:
        invariant: an ``nn.Module`` (``Scattering1D``, ``Scattering2D``, ``FourierModulus``, ...)
            or a zero-argument callable returning one (built at ``fit``).
        input_shape: shape of one sample; rows of a 2D ``X`` ``(n_samples, n_features)`` are
            reshaped to it. ``None``: ``X`` is used as given ``(n_samples, ...)``.
        batch_size: samples per forward pass (bounds memory).
        log: apply ``log(φ + 1e-6)``, usually better for linear classifiers on scattering.

    ``fit`` and ``transform`` refuse NaN or infinite ``X`` with a ``ValueError`` (as
    scikit-learn's own estimators do).

    Shape:
        ``(n_samples, prod(input_shape))`` or ``(n_samples, *input_shape)`` →
        ``(n_samples, n_output_features)``.
    """

    def __init__(
        self,
        invariant: nn.Module | Callable[[], nn.Module],
        input_shape: tuple[int, ...] | None = None,
        batch_size: int = 1024,
        log: bool = False,
    ) -> None:
        self.invariant = invariant
        self.input_shape = input_shape
        self.batch_size = batch_size
        self.log = log

    def _module(self) -> nn.Module:
        if isinstance(self.invariant, nn.Module):
            return self.invariant
        if callable(self.invariant):
            module = self.invariant()
            if isinstance(module, nn.Module):
                return module
        raise TypeError(
            "invariant must be an nn.Module or a callable returning one, "
            f"got {type(self.invariant).__name__}"
        )

    def _reshape(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim < 2:
            raise ValueError(f"X must have shape (n_samples, ...), got shape {X.shape}")
        if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
            raise TypeError(f"X must be a real numeric array, got dtype {X.dtype}")
        check_finite(X, "X")
        if self.input_shape is not None:
            size = int(np.prod(self.input_shape))
            if int(np.prod(X.shape[1:])) != size:
                raise ValueError(
                    f"each sample of X has {int(np.prod(X.shape[1:]))} values but input_shape "
                    f"{tuple(self.input_shape)} needs {size}"
                )
            X = X.reshape((X.shape[0], *self.input_shape))
        return X

    def fit(self, X, y=None):
        """Check the input and build the invariant; nothing is learned."""
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int):
            raise TypeError(f"batch_size must be an int, got {self.batch_size!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        X = self._reshape(X)
        self.module_ = self._module().eval()
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        return self

    def transform(self, X) -> np.ndarray:
        """Invariant features of each sample, flattened."""
        if not hasattr(self, "module_"):
            raise RuntimeError("call fit before transform")
        X = self._reshape(X)
        out = apply_numpy(self.module_, X, batch_size=self.batch_size, name="X")
        if self.log:
            out = np.log(np.maximum(out, 0) + 1e-6)
        return out.reshape(out.shape[0], -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags


__all__ = ["InvariantTransformer"]
