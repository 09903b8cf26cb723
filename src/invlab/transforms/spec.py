"""Transformations from short text specs, for command lines and study files.

``shift:-8:8`` (integer shifts, circular; ``shift:8`` is ``shift:-8:8``; ``shift:-8:8:zeros``
pads with zeros), ``rotate:-45:45`` (degrees), ``scale:0.7:1.4`` (factors), ``rotate90``,
``flip`` (``flip:vertical``), ``deform:1.5`` (RMS displacement in pixels); join several with
``+`` to compose them: ``shift:-2:2+rotate:-10:10``.
"""

from __future__ import annotations

from invlab.transforms.base import Transform
from invlab.transforms.compose import Compose
from invlab.transforms.deform import Deform
from invlab.transforms.rotate import Flip, Rotate, Rotate90
from invlab.transforms.scale import Scale
from invlab.transforms.shift import Shift

KINDS = ("shift", "rotate", "scale", "rotate90", "flip", "deform")
# Kinds that only act on images (two spatial axes).
IMAGE_KINDS = ("rotate", "scale", "rotate90", "flip", "deform")
EXAMPLES = (
    "shift:-8:8, shift:-8:8:zeros, rotate:-45:45, scale:0.7:1.4, rotate90, flip, "
    "flip:vertical, deform:1.5"
)


def parse_transform(spec: str, spatial_dims: int | None = None) -> Transform:
    """Build the transformation that ``spec`` names, for data with ``spatial_dims`` axes.

    Args:
        spec: ``kind[:args]``; kinds: ``shift:low:high[:mode]`` (mode ``circular`` or
            ``zeros``; ``shift:N`` is the symmetric range ``[-N, N]``), ``rotate:low:high``
            (degrees), ``scale:low:high`` (factors), ``rotate90``, ``flip[:axis]`` (axis
            ``horizontal`` or ``vertical``), ``deform:amplitude`` (RMS pixels); ``a+b``
            composes ``a`` then ``b``.
        spatial_dims: 1 for signals ``(N, C, L)``, 2 for images ``(N, C, H, W)``. ``None``
            (default): 2 when the spec names a kind that acts only on images (``rotate``,
            ``scale``, ``rotate90``, ``flip``, ``deform``), else 1 (a shift of signals).

    Examples:
        >>> parse_transform("shift:-8:8", 1)
        Shift(shift_range=(-8, 8), dims=1, mode='circular')
        >>> parse_transform("rotate:-45:45")
        Rotate(angle_range=(-45.0, 45.0), padding='zeros')
    """
    if not isinstance(spec, str):
        raise TypeError(f"transform spec must be a str like {EXAMPLES}; got {type(spec).__name__}")
    if not spec.strip():
        raise ValueError(f"transform spec is empty; use one of {EXAMPLES}")
    parts = [p.strip() for p in spec.split("+")]
    kinds = [p.split(":")[0].lower() for p in parts]
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown transform {kind!r} in {spec!r}; use one of {EXAMPLES}")
    if spatial_dims is None:
        spatial_dims = 2 if any(k in IMAGE_KINDS for k in kinds) else 1
    if isinstance(spatial_dims, bool) or spatial_dims not in (1, 2):
        raise ValueError(f"spatial_dims must be 1 (signals) or 2 (images), got {spatial_dims!r}")
    built = [_parse_one(p, spatial_dims, spec) for p in parts]
    return built[0] if len(built) == 1 else Compose(built)


def _parse_one(part: str, spatial_dims: int, whole: str) -> Transform:
    kind, *args = part.split(":")
    kind = kind.lower()
    if kind in IMAGE_KINDS and spatial_dims != 2:
        raise ValueError(
            f"transform {whole!r} acts on images (2 spatial axes) but spatial_dims is "
            f"{spatial_dims}; use shift:LOW:HIGH for signals, or spatial_dims=2 for images"
        )
    if kind == "rotate90":
        if args:
            raise ValueError(f"rotate90 takes no range, got {part!r}")
        return Rotate90()
    if kind == "flip":
        if len(args) > 1:
            raise ValueError(f"flip takes at most an axis (flip:vertical), got {part!r}")
        return Flip(axis=args[0].lower() if args else "horizontal")
    if kind == "deform":
        if len(args) != 1:
            raise ValueError(f"deform needs deform:amplitude (RMS pixels), got {part!r}")
        return Deform(amplitude=_number(args[0], "deform amplitude", part))
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
    low, high = (_number(a, f"{kind} bounds", part) for a in args)
    return Rotate((low, high)) if kind == "rotate" else Scale((low, high))


def _number(text: str, what: str, part: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} must be numbers, got {part!r}") from None
