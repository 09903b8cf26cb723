"""Argument checks of ``Scattering1D``, with Kymatio 0.3.0's rules for ``Q``, ``T``, ``shape``.

``Q`` is an int or a tuple of one or two ints (``(Q1,)`` means ``(Q1, 1)``); ``T`` is ``None``
(default ``2**J``), 0 (no averaging) or a support in ``[1, N]``; the deprecated ``average``
must agree with ``T``; ``shape`` is ``N`` or ``(N,)``. numpy integers are accepted throughout.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from .compat import ScatteringTypeError, as_int, as_sequence


def check_Q(Q) -> tuple[int, int]:
    """Kymatio's rule: an int or a tuple of one or two ints (a list is refused, as there)."""
    if isinstance(Q, numbers.Real) and not isinstance(Q, bool) and Q < 1:
        raise ValueError(f"Q should always be >= 1 (wavelets per octave), got {Q!r}")
    if isinstance(Q, tuple) and len(Q) in (1, 2):
        Q = (*Q, 1)[:2]
    elif isinstance(Q, tuple) or not isinstance(Q, numbers.Integral | np.ndarray):
        raise ScatteringTypeError(
            f"Q must be an integer or a tuple (Q1,) or (Q1, Q2) of integers, got "
            f"{type(Q).__name__} {Q!r}"
        )
    else:
        Q = (Q, 1)
    what = " (wavelets per octave); Q should always be >= 1"
    return tuple(as_int(q, "Q", minimum=1, what=what) for q in Q)


def check_T(T, average, J: int, N: int) -> int:
    """Kymatio's rules for ``T`` and the deprecated ``average``; 0 means no averaging."""
    if average is not None and not isinstance(average, bool | np.bool_):
        raise TypeError(f"average must be True, False or None, got {average!r}")
    if T is None:
        return 2**J if average is None or average else 0
    T = as_int(T, "T", minimum=0, what=" (0: no averaging, else the low-pass support)")
    if T > N:
        raise ValueError(f"T (low-pass support) must be <= the signal length {N}, got {T}")
    if T == 0 and average:
        raise ValueError("average must not be True if T=0 (T=0 means no averaging)")
    if T > 0 and average is not None and not average:
        raise ValueError(
            f"average=False is not permitted with T={T} >= 1: set T=0 for no averaging "
            "(average is deprecated in favour of T, as in Kymatio 0.3)"
        )
    return T


def check_shape(shape) -> int:
    shape = as_sequence(shape)
    if isinstance(shape, Sequence):
        if len(shape) != 1:
            raise ValueError(
                "shape must be an integer or a 1-tuple for 1D signals: as a tuple it must have "
                f"exactly one element, got {shape!r}"
            )
        shape = shape[0]
    return as_int(shape, "shape", minimum=2, what=" or a 1-tuple (the signal length N)")
