"""Transformations from short text specs, for command lines and study files.

``shift:-8:8`` (integer shifts, circular; ``shift:8`` is ``shift:-8:8``; ``shift:-8:8:zeros``
pads with zeros),
``rotate:-45:45`` (degrees), ``scale:0.7:1.4`` (factors), ``rotate90``; join several with
``+`` to compose them: ``shift:-2:2+rotate:-10:10``.
"""

from __future__ import annotations

import importlib

from invlab.transforms.base import Transform
from invlab.transforms.compose import Compose
from invlab.transforms.shift import Shift

KINDS = ("shift", "rotate", "scale", "rotate90")
EXAMPLES = "shift:-8:8, shift:-8:8:zeros, rotate:-45:45, scale:0.7:1.4, rotate90"


def parse_transform(spec: str, spatial_dims: int = 1) -> Transform:
    """Build the transformation that ``spec`` names, for data with ``spatial_dims`` axes.

    Args:
        spec: ``kind:low:high[:option]``; kinds: ``shift`` (option ``circular`` or ``zeros``;
            ``shift:N`` is the symmetric range ``[-N, N]``),
            ``rotate`` (degrees), ``scale`` (factors), ``rotate90`` (no range); ``a+b``
            composes ``a`` then ``b``.
        spatial_dims: 1 for signals ``(N, C, L)``, 2 for images ``(N, C, H, W)``.

    Examples:
        >>> parse_transform("shift:-8:8", 1)
        Shift(shift_range=(-8, 8), dims=1, mode='circular')
    """
    if not isinstance(spec, str):
        raise TypeError(f"transform spec must be a str like {EXAMPLES}; got {type(spec).__name__}")
    if not spec.strip():
        raise ValueError(f"transform spec is empty; use one of {EXAMPLES}")
    if spatial_dims not in (1, 2):
        raise ValueError(f"spatial_dims must be 1 (signals) or 2 (images), got {spatial_dims!r}")
    parts = [_parse_one(p.strip(), spatial_dims, spec) for p in spec.split("+")]
    return parts[0] if len(parts) == 1 else Compose(parts)


def _parse_one(part: str, spatial_dims: int, whole: str) -> Transform:
    kind, *args = part.split(":")
    kind = kind.lower()
    if kind not in KINDS:
        raise ValueError(f"unknown transform {kind!r} in {whole!r}; use one of {EXAMPLES}")
    if kind == "rotate90":
        if args:
            raise ValueError(f"rotate90 takes no range, got {part!r}")
        return _needs_images(_optional_class("Rotate90", kind)(), spatial_dims, whole)
    if kind == "shift" and len(args) == 1:
        args = [f"-{args[0].lstrip('-')}", args[0].lstrip("-")]
    if len(args) not in (2, 3) or (len(args) == 3 and kind != "shift"):
        raise ValueError(f"{kind} needs {kind}:low:high, got {part!r} (examples: {EXAMPLES})")
    if kind == "shift":
        try:
            low, high = int(args[0]), int(args[1])
        except ValueError:
            raise ValueError(f"shift bounds must be integers (pixels), got {part!r}") from None
        mode = args[2] if len(args) == 3 else "circular"
        return Shift(shift_range=(low, high), dims=spatial_dims, mode=mode)
    try:
        low, high = float(args[0]), float(args[1])
    except ValueError:
        raise ValueError(f"{kind} bounds must be numbers, got {part!r}") from None
    if kind == "rotate":
        return _needs_images(_optional_class("Rotate", kind)((low, high)), spatial_dims, whole)
    return _needs_images(_optional_class("Scale", kind)((low, high)), spatial_dims, whole)


def _optional_class(name: str, kind: str) -> type:
    # Rotate, Rotate90 and Scale arrive with their own module; import late so that
    # shifts work without them.
    transforms = importlib.import_module("invlab.transforms")
    cls = getattr(transforms, name, None)
    if cls is None:
        raise ValueError(
            f"transform {kind!r} needs invlab.transforms.{name}, which this version of invlab "
            f"does not have yet; use shift:LOW:HIGH"
        )
    return cls


def _needs_images(t: Transform, spatial_dims: int, whole: str) -> Transform:
    if t.spatial_dims != spatial_dims:
        raise ValueError(
            f"transform {whole!r} acts on images (2 spatial axes) but the data has "
            f"{spatial_dims}; use shift:LOW:HIGH for signals"
        )
    return t
