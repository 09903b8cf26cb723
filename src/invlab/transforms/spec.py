"""Transformations written as short strings, for command lines and study specs.

``shift:-8:8`` is a shift range; ``shift:8`` is the symmetric range ``[-8, 8]``.
"""

from __future__ import annotations

from invlab.transforms.base import Transform
from invlab.transforms.shift import Shift


def parse_transform(spec: str, spatial_dims: int = 1) -> Transform:
    """Build a :class:`Transform` from ``'name:low:high'`` (or ``'name:high'``).

    Args:
        spec: e.g. ``'shift:-8:8'``.
        spatial_dims: 1 for signals, 2 for images.
    """
    if not isinstance(spec, str) or not spec:
        raise TypeError(f"transform spec must be a non-empty str like 'shift:-8:8', got {spec!r}")
    name, *args = spec.split(":")
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise ValueError(f"transform spec {spec!r}: range values must be numbers") from None
    if name == "shift":
        if len(values) == 1:
            values = [-values[0], values[0]]
        if len(values) != 2 or any(v != int(v) for v in values):
            raise ValueError(f"transform spec {spec!r}: expected 'shift:LOW:HIGH' with integers")
        return Shift(shift_range=(int(values[0]), int(values[1])), dims=spatial_dims)
    raise ValueError(f"transform spec {spec!r}: unknown transformation {name!r}; known: shift")
