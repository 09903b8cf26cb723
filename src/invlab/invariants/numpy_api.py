"""NumPy entry points: array in, array out (like ``kymatio.numpy``), around the torch modules.

Examples:
    >>> import numpy as np
    >>> from invlab.invariants.numpy_api import Scattering1D
    >>> S = Scattering1D(J=3, shape=64)
    >>> S(np.random.randn(5, 64)).shape
    (5, 8, 8)
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import torch
from torch import nn

from invlab.invariants import scattering as _scattering


def check_finite(arr: np.ndarray, name: str) -> None:
    """Refuse NaN and infinity where data enter (scikit-learn's convention: a ValueError)."""
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        n_nan, n_inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
        raise ValueError(
            f"Input {name} contains NaN or infinity ({n_nan} NaN and {n_inf} infinite values "
            f"among {arr.size}, shape {arr.shape}); expected finite values: remove or impute "
            "them (e.g. sklearn.impute.SimpleImputer) before this transform"
        )


def apply_numpy(
    module: nn.Module, x: Any, batch_size: int | None = None, name: str = "x"
) -> np.ndarray:
    """Run a torch module on a NumPy array (or array-like) and return a NumPy array.

    float64 input stays float64, anything else is computed in float32. Gradients are off.
    ``batch_size`` splits the leading dimension to bound memory. NaN or infinite input is
    refused with a ``ValueError`` naming ``name`` (inside torch modules NaN propagates instead).
    """
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating) and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name}: the input should be a real numeric NumPy array, got "
            f"{type(x).__name__} (dtype {arr.dtype})"
        )
    check_finite(arr, name)
    dtype = np.float64 if arr.dtype == np.float64 else np.float32
    t = torch.from_numpy(np.ascontiguousarray(arr, dtype=dtype))
    with torch.no_grad():
        if batch_size is None or t.dim() == 0 or t.shape[0] <= batch_size:
            out = module(t)
        else:
            out = torch.cat([module(chunk) for chunk in t.split(batch_size)])
    if isinstance(out, dict):  # out_type='dict': key -> coefficients
        return {k: v.numpy() for k, v in out.items()}
    if isinstance(out, list):  # out_type='list': dicts of coefficients
        return [{**d, "coef": d["coef"].numpy()} for d in out]
    return out.numpy()


class _NumpyFrontend:
    """Same constructor as the torch module; calling it maps NumPy arrays to NumPy arrays.

    ``backend`` also accepts ``'numpy'`` (Kymatio's numpy frontends' value), computed in torch.
    """

    _module_cls: type[nn.Module]

    def __init__(self, *args, **kwargs) -> None:
        # Kymatio's numpy frontends take backend='numpy' (their default): the same computation
        bound = inspect.signature(self._module_cls).bind_partial(*args, **kwargs).arguments
        if bound.get("backend") == "numpy" or getattr(bound.get("backend"), "name", "") == "numpy":
            bound["backend"] = "torch"
        self.module = self._module_cls(**bound)

    def __call__(self, x: Any) -> np.ndarray:
        return apply_numpy(self.module, x)

    scattering = __call__  # Kymatio's method name

    def __getattr__(self, name: str):  # meta(), output_size(), J, shape, ...
        if name == "module":
            raise AttributeError(name)
        return getattr(self.module, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(numpy) wrapping {self.module!r}"


class Scattering1D(_NumpyFrontend):
    """:class:`invlab.invariants.scattering.Scattering1D` on NumPy arrays ``(..., N)``."""

    _module_cls = _scattering.Scattering1D


class Scattering2D(_NumpyFrontend):
    """:class:`invlab.invariants.scattering.Scattering2D` on NumPy arrays ``(..., H, W)``."""

    _module_cls = _scattering.Scattering2D
