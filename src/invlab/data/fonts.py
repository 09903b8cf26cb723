"""Glyph outlines from the fonts that ship with matplotlib, and their rasterisation.

An outline is a list of closed polygons in *glyph units*: the digit's bounding box is centred
on the origin and its height is 1 (y up). Every geometric change (elastic field, slant, scale,
translation) acts on these vertices, and :func:`rasterise` fills the moved outline at any
resolution, so one set of glyph parameters renders the same glyph at 16, 28 or 40 pixels
instead of interpolating one image into another.

Rasterisation at ``ss × ss`` supersampling: a supersampled pixel is on when its centre lies
inside the outline (even–odd rule), the stroke is moved outwards (or inwards) by ``r`` pixels
with a Euclidean distance transform, and the mean over each ``ss × ss`` block anti-aliases::

    on(p) = [d(p, inside) − ½ ≤ r]   (r ≥ 0),     on(p) = [d(p, outside) − ½ > −r]   (r < 0)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Fonts in matplotlib's mpl-data/fonts/ttf whose ten digits are lining figures of one height:
# the DejaVu families with their bold and oblique/italic faces, STIX General and four Computer
# Modern faces. Left out: the Display/NonUni/size-variant files (no digits, a placeholder box
# of height 0.96), cmmi10 (old-style figures), cmti10 (its 4 descends), cmex10 and cmsy10.
FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "STIXGeneralBolIta.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
)

# Longest edge kept after resampling, in glyph heights: an elastic field bends long straight
# edges (the stem of a 1) only if they carry vertices along them.
_MAX_EDGE = 0.01

_CACHE: dict[str, list[list[np.ndarray]]] = {}


def font_dir() -> Path:
    """matplotlib's bundled TrueType folder (``mpl-data/fonts/ttf``)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def digit_outlines(font: str) -> list[list[np.ndarray]]:
    """The ten digits of ``font`` as lists of ``(V, 2)`` polygons in glyph units.

    Args:
        font: a file name in :func:`font_dir` (e.g. ``'DejaVuSans.ttf'``).

    Examples:
        >>> zero = digit_outlines("DejaVuSans.ttf")[0]
        >>> len(zero)  # outer and inner contour
        2
    """
    if not isinstance(font, str):
        raise TypeError(f"font must be a font file name (str), got {type(font).__name__}")
    if font in _CACHE:
        return _CACHE[font]
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    file = font_dir() / font
    if not file.is_file():
        available = sorted(p.name for p in font_dir().glob("*.ttf"))
        raise ValueError(f"fonts: no font {font!r} in {font_dir()}; available: {available}")
    prop = FontProperties(fname=str(file))
    glyphs = []
    for digit in "0123456789":
        polygons = TextPath((0, 0), digit, size=1, prop=prop).to_polygons(closed_only=True)
        if not polygons:
            raise ValueError(f"fonts: {font!r} has no outline for the digit {digit}")
        verts = np.concatenate(polygons)
        lo, hi = verts.min(0), verts.max(0)
        centre, height = (lo + hi) / 2, (hi - lo)[1]
        glyphs.append([_resample((poly - centre) / height) for poly in polygons])
    _CACHE[font] = glyphs
    return glyphs


def _resample(poly: np.ndarray) -> np.ndarray:
    """Insert vertices so that no edge is longer than :data:`_MAX_EDGE`."""
    closed = np.vstack([poly, poly[:1]])
    edges = np.diff(closed, axis=0)
    pieces = np.maximum(1, np.ceil(np.hypot(*edges.T) / _MAX_EDGE).astype(int))
    t = np.concatenate([np.arange(k) / k for k in pieces])
    start = np.repeat(closed[:-1], pieces, axis=0)
    return start + np.repeat(edges, pieces, axis=0) * t[:, None]


def rasterise(
    polygons: list[np.ndarray], size: int, stroke_px: float, supersample: int = 4
) -> np.ndarray:
    """Fill ``polygons`` (canvas units: ``[0, 1]²``, y down) into a ``size × size`` image.

    Args:
        polygons: closed ``(V, 2)`` polygons of ``(x, y)`` canvas coordinates.
        size: output side in pixels.
        stroke_px: stroke change in *output* pixels (positive thickens, negative thins).
        supersample: ``ss``: the outline is filled on a ``size·ss`` grid and block-averaged.

    Returns:
        ``(size, size)`` float64 coverage in ``[0, 1]``.
    """
    from scipy.ndimage import distance_transform_edt

    big = size * supersample
    mask = _even_odd_fill(polygons, big)
    r = stroke_px * supersample
    if not mask.any():
        pass  # nothing to thicken or thin (a glyph smaller than one supersampled pixel)
    elif r > 0:
        mask = distance_transform_edt(~mask) - 0.5 <= r
    elif r < 0:
        mask = distance_transform_edt(mask) - 0.5 > -r
    return mask.reshape(size, supersample, size, supersample).mean(axis=(1, 3))


def _even_odd_fill(polygons: list[np.ndarray], big: int) -> np.ndarray:
    """``(big, big)`` mask of the pixels whose centre is inside ``polygons`` (even–odd rule).

    A scanline fill vectorised over all edges: each edge's crossing with each pixel row it
    spans toggles every pixel from the first centre at or right of the crossing; a cumulative
    count mod 2 along the row is the even–odd rule, which punches the holes of 0, 4, 6, 8, 9
    whatever the orientation of each contour.
    """
    # pixel-index coordinates: pixel k's centre is at k, the canvas [0, 1] maps to [-½, big−½]
    start = np.concatenate(polygons) * big - 0.5
    end = np.concatenate([np.roll(poly, -1, axis=0) for poly in polygons]) * big - 0.5
    (x0, y0), (x1, y1) = start.T, end.T
    lo, hi = np.minimum(y0, y1), np.maximum(y0, y1)
    first = np.clip(np.ceil(lo), 0, big).astype(np.int64)  # rows r with lo <= r < hi
    last = np.clip(np.ceil(hi), 0, big).astype(np.int64)
    count = last - first
    edge = np.repeat(np.arange(len(count)), count)
    row = first[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
    t = (row - y0[edge]) / (y1[edge] - y0[edge])  # count > 0 implies y0 != y1
    col = np.clip(np.ceil(x0[edge] + t * (x1[edge] - x0[edge])), 0, big).astype(np.int64)
    toggles = np.bincount(row * (big + 1) + col, minlength=big * (big + 1))
    return (np.cumsum(toggles.reshape(big, big + 1)[:, :big], axis=1) % 2).astype(bool)
