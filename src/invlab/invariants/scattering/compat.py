"""Kymatio 0.3.0 compatibility of the scattering constructors: argument types, errors, rebuilds.

A Kymatio user passes ``backend='torch'``, numpy integers for ``J`` or ``shape``, and changes
``max_order`` after construction; invlab accepts all of that. Where Kymatio's exception type
differs from invlab's convention (``ValueError``/``TypeError`` for bad arguments), the error
classes below derive from both, so ``except RuntimeError`` and ``except ValueError`` both catch.

Attribute assignments after construction go through :class:`Rebuildable`: an attribute that
filters or plans depend on rebuilds the whole module from its arguments (validated first, so a
refused assignment leaves the module unchanged), so no computation ever uses stale state.
"""

from __future__ import annotations

import numbers
import operator
import warnings
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn


class ScatteringValueError(ValueError, RuntimeError):
    """A bad argument or input where Kymatio raises ``RuntimeError`` (invlab: ``ValueError``)."""


class ScatteringTypeError(TypeError, ValueError):
    """A wrongly typed argument where Kymatio raises ``ValueError`` (invlab: ``TypeError``)."""


class BackendError(ValueError, ImportError):
    """An unsupported ``backend`` (Kymatio raises ``ImportError``)."""


def as_int(value: Any, name: str, *, minimum: int | None = None, what: str = "") -> int:
    """``value`` as a Python int: ints, numpy integers and 0-d integer arrays are accepted."""
    if isinstance(value, np.ndarray | torch.Tensor) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ScatteringTypeError(
            f"{name} must be an integer{what}, got {type(value).__name__} ({value!r})"
        )
    value = operator.index(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}{what}, got {value}")
    return value


def as_sequence(value: Any) -> Any:
    """1-d numpy arrays (and tensors) as tuples, so ``shape=np.array([32, 32])`` works."""
    if isinstance(value, np.ndarray | torch.Tensor) and value.ndim == 1:
        return tuple(value.tolist())
    return value


def check_backend(backend: Any) -> str:
    """``None``, ``'torch'`` or Kymatio's torch backend object (``.name == 'torch'``)."""
    name = backend if isinstance(backend, str) else getattr(backend, "name", backend)
    if backend is None or name == "torch":
        return "torch"
    raise BackendError(
        f"backend {name!r} is not supported: invlab computes with torch only; pass "
        "backend=None, 'torch' or Kymatio's torch backend (kymatio's torch_skcuda, numpy, jax "
        "and tensorflow backends have no invlab equivalent)"
    )


def warn_average(average: Any) -> None:
    """Kymatio 0.3.0's deprecation of ``average`` (in favour of ``T``), repeated word for word."""
    if average is not None:
        warnings.warn(
            "The average option is deprecated and will be removed in v0.4. For average=True, "
            "set T=None for default averaging or T>=1 for custom averaging. For average=False "
            "set T=0.",
            DeprecationWarning,
            stacklevel=3,
        )


_MODULE_INTERNALS = frozenset(nn.Module().__dict__) - {"_buffers", "_non_persistent_buffers_set"}


class Rebuildable(nn.Module):
    """Assigning one of ``_REBUILD`` after construction rebuilds the module from its arguments.

    Subclasses keep their constructor arguments in ``self._args`` (set last in ``__init__``).
    The new module is built first (so its validation runs and a refused value changes nothing),
    then its attributes and buffers replace the old ones, moved to the old buffers' device and
    dtype; hooks, the training flag and submodules stay.
    """

    _REBUILD: ClassVar[frozenset[str]] = frozenset()
    _ALIASES: ClassVar[dict[str, str]] = {}  # attribute -> the constructor argument it comes from

    def __setattr__(self, name: str, value: Any) -> None:
        if "_args" in self.__dict__ and (name in self._REBUILD or name in self._ALIASES):
            self._rebuild(self._ALIASES.get(name, name), value)
        else:
            super().__setattr__(name, value)

    def _rebuild(self, name: str, value: Any) -> None:
        args = {**self._args, name: value}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            new = type(self)(**args)
        if name == "average":
            warn_average(value)
        old = next((b for b in self.buffers() if b.is_floating_point()), None)
        for key, val in new.__dict__.items():
            if key not in _MODULE_INTERNALS:
                self.__dict__[key] = val
        if old is not None:
            for key, buf in self._buffers.items():
                cast = (old.device, old.dtype) if buf.is_floating_point() else (old.device,)
                self._buffers[key] = buf.to(*cast)
