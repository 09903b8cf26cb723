"""A controllable MNIST-like set: digits rendered from the fonts that ship with matplotlib."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from invlab._validation import check_int, check_positive, check_range
from invlab.data.dataset import Dataset

# Fonts in matplotlib's mpl-data/fonts/ttf that have the ten digits (the STIX size variants
# and the TeX symbol fonts do not).
FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "cmr10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
    "cmb10.ttf",
)

_SUPERSAMPLE = 3


def glyph_digits(
    n: int = 6000,
    size: int = 28,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    fonts: tuple[str, ...] | None = None,
    stroke: tuple[int, int] = (-1, 2),
    slant: tuple[float, float] = (-0.3, 0.3),
    height: tuple[float, float] = (0.55, 0.75),
    elastic: float = 1.0,
) -> Dataset:
    """``n`` digit images rendered from matplotlib's bundled fonts, with controlled variation.

    Each sample draws a digit ``0–9`` and a font, renders the glyph outline
    (:class:`matplotlib.textpath.TextPath`) with a random slant (shear ``x += slant · y``)
    and height, centred, at 3× resolution; thickens or thins the stroke by a random number of
    (supersampled) pixels; averages down to ``size × size`` (anti-aliasing); then applies a
    smooth random elastic deformation (:class:`invlab.transforms.Deform`) of RMS amplitude
    ``elastic`` pixels. Every knob at zero gives clean, upright, centred glyphs: a baseline
    for measuring what each variation costs a model.

    Args:
        n: number of samples (split ``1 − test_fraction`` / ``test_fraction``).
        size: image side in pixels (``>= 12``).
        seed: seed of every random choice (the same seed gives the same set).
        test_fraction: share held out for testing.
        fonts: file names in ``matplotlib/mpl-data/fonts/ttf`` (default :data:`FONTS`).
        stroke: ``(low, high)`` stroke change in supersampled pixels (negative thins).
        slant: ``(low, high)`` shear.
        height: ``(low, high)`` glyph height as a fraction of ``size``.
        elastic: RMS displacement of the elastic deformation, in output pixels (0 = none).

    Returns:
        A :class:`Dataset` ``glyph_digits`` with ``x`` of shape ``(N, 1, size, size)`` in
        ``[0, 1]`` (white digit on black, like MNIST) and 10 classes.

    Examples:
        >>> ds = glyph_digits(200, size=28)
        >>> ds.x_train.shape, ds.num_classes
        (torch.Size([160, 1, 28, 28]), 10)
    """
    check_int(n, "n", minimum=10)
    check_int(size, "size", minimum=12)
    check_int(seed, "seed")
    check_positive(test_fraction, "test_fraction")
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    lo_stroke, hi_stroke = stroke
    check_int(lo_stroke, "stroke[0]")
    check_int(hi_stroke, "stroke[1]")
    if lo_stroke > hi_stroke:
        raise ValueError(f"stroke must satisfy low <= high, got {stroke!r}")
    slant = check_range(slant, "slant")
    height = check_range(height, "height")
    if height[0] <= 0 or height[1] > 1:
        raise ValueError(f"height must be fractions in (0, 1], got {height!r}")
    elastic = check_positive(elastic, "elastic", strict=False)
    outlines = _outlines(tuple(FONTS if fonts is None else fonts))

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    font_index = rng.integers(0, len(outlines), n)
    shears = rng.uniform(*slant, n)
    heights = rng.uniform(*height, n)
    strokes = rng.integers(lo_stroke, hi_stroke + 1, n)
    big = size * _SUPERSAMPLE
    centres = (np.arange(big) + 0.5) / big - 0.5  # pixel centres in [-0.5, 0.5)
    grid = np.stack(np.meshgrid(centres, -centres, indexing="xy"), -1).reshape(-1, 2)

    images = np.empty((n, big, big), dtype=np.float32)
    for i in range(n):
        polygons = outlines[font_index[i]][labels[i]]
        images[i] = _rasterise(polygons, grid, big, shears[i], heights[i])
    x = torch.from_numpy(images)[:, None]
    x = _change_stroke(x, torch.from_numpy(strokes))
    x = torch.nn.functional.avg_pool2d(x, _SUPERSAMPLE)
    if elastic > 0:
        from invlab.transforms import Deform

        deform = Deform(amplitude=elastic, modes=3, padding="zeros")
        gen = torch.Generator().manual_seed(seed)
        x = deform(x, generator=gen).clamp(0.0, 1.0)

    y = torch.from_numpy(labels).long()
    n_test = max(1, round(n * test_fraction))
    return Dataset(
        name="glyph_digits",
        x_train=x[n_test:].contiguous(),
        y_train=y[n_test:].contiguous(),
        x_test=x[:n_test].contiguous(),
        y_test=y[:n_test].contiguous(),
        num_classes=10,
    )


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


_OUTLINE_CACHE: dict[tuple[str, ...], list] = {}


def _outlines(fonts: tuple[str, ...]) -> list[list]:
    """For each font, the ten digits' contours (polygons) normalised to unit height."""
    if not fonts:
        raise ValueError("fonts must name at least one font file")
    if fonts in _OUTLINE_CACHE:
        return _OUTLINE_CACHE[fonts]
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    folder = _font_dir()
    out = []
    for name in fonts:
        file = folder / name
        if not file.exists():
            available = sorted(p.name for p in folder.glob("*.ttf"))
            raise ValueError(f"fonts: no font {name!r} in {folder}; available: {available}")
        prop = FontProperties(fname=str(file))
        glyphs = []
        for digit in "0123456789":
            path = TextPath((0, 0), digit, size=1, prop=prop)
            # Curves flattened to polygons once, normalised to unit height about the centre.
            polygons = path.to_polygons(closed_only=True)
            if not polygons:
                raise ValueError(f"fonts: {name!r} has no outline for the digit {digit}")
            verts = np.concatenate(polygons)
            lo, hi = verts.min(0), verts.max(0)
            centre, scale = (lo + hi) / 2, (hi - lo)[1]
            glyphs.append([(poly - centre) / scale for poly in polygons])
        out.append(glyphs)
    _OUTLINE_CACHE[fonts] = out
    return out


def _rasterise(
    polygons: list[np.ndarray], grid: np.ndarray, big: int, shear: float, height: float
) -> np.ndarray:
    """Fill the outline scaled to ``height`` and sheared, with the even–odd rule.

    Even–odd (XOR of the polygons) punches the holes of 0, 4, 6, 8, 9 whatever the
    orientation of each contour in the font.
    """
    from matplotlib.path import Path as MplPath

    inside = np.zeros(len(grid), dtype=bool)
    for poly in polygons:
        verts = poly * height
        verts = np.stack([verts[:, 0] + shear * verts[:, 1], verts[:, 1]], 1)
        inside ^= MplPath(verts).contains_points(grid)
    return inside.reshape(big, big).astype(np.float32)


def _change_stroke(x: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
    """Dilate (``amount > 0``) or erode (``< 0``) each image by ``|amount|`` pixels."""
    out = x.clone()
    for k in range(1, int(amount.abs().max()) + 1 if amount.numel() else 1):
        size = 2 * k + 1
        thick = torch.nn.functional.max_pool2d(x, size, stride=1, padding=k)
        thin = -torch.nn.functional.max_pool2d(-x, size, stride=1, padding=k)
        out = torch.where((amount == k).view(-1, 1, 1, 1), thick, out)
        out = torch.where((amount == -k).view(-1, 1, 1, 1), thin, out)
    return out
