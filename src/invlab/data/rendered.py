"""Rendered digits: an MNIST-sized set drawn from matplotlib's fonts, at any resolution or scale.

Each sample is a set of *glyph parameters* drawn once from the seed: digit, font, slant ``a``,
width factor ``w``, height ``h`` (a fraction of the canvas), translation ``t``, stroke change
``r`` and a smooth elastic field ``u``. A vertex ``p`` of the outline (glyph units: unit height,
centred, y up) goes to the canvas point::

    q = s · h · diag(w, 1) · S_a · (p + u(p)) + t,     S_a = [[1, a], [0, 1]]

with ``s`` the rendered scale (1 by default), and the outline is filled at the requested size
(:func:`invlab.data.fonts.rasterise`) with its stroke moved by ``r · s · h · size`` pixels. The
elastic field is ``u(p) = α · Σ_{j,k} c_jk cos(πj(x+½)) cos(πk(y+½)) / (1 + j² + k²)`` over
``0 ≤ j, k < 4`` without the constant term, with ``c ~ N(0, 1)`` per sample and per axis,
normalised so that its RMS over the glyph box is ``α`` glyph heights. Because every change
acts on the outline, the same parameters rendered at 16, 28 or 40 pixels, or at scale ×0.5 or
×2, show the same glyph: rendered, not interpolated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import torch

from invlab._validation import check_choice, check_int, check_positive, check_range
from invlab.data.cache import cache_dir, cached_arrays
from invlab.data.dataset import Dataset
from invlab.data.fonts import FONTS, digit_outlines, rasterise

# Class sets. For full-rotation tasks a 6 turned by 180° is a 9: "no9" drops the 9 (the
# default of the registered rotation sets), "merge69" gives 6 and 9 one label.
CLASSES = ("all", "no9", "merge69")

_MODES = 4  # elastic basis cos(πj·) cos(πk·), 0 <= j, k < _MODES
_VERSION = 1  # bump when the rendering changes, so cached files are regenerated


@dataclass(frozen=True)
class GlyphParams:
    """Per-sample glyph parameters (arrays of length ``N``); see the module docstring."""

    digit: np.ndarray  # (N,) the digit drawn, 0-9
    label: np.ndarray  # (N,) its class under the chosen class set
    font: np.ndarray  # (N,) index into ``fonts``
    slant: np.ndarray  # (N,) shear a: x += a·y
    width: np.ndarray  # (N,) horizontal stretch w
    height: np.ndarray  # (N,) glyph height as a fraction of the canvas
    shift: np.ndarray  # (N, 2) translation (x, y) as a fraction of the canvas
    stroke: np.ndarray  # (N,) stroke change r in glyph heights (negative thins)
    field: np.ndarray  # (N, 2, _MODES, _MODES) elastic coefficients, RMS-normalised, × α
    fonts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.digit)


def glyph_params(
    n: int,
    seed: int | tuple[int, ...] = 0,
    *,
    classes: str = "all",
    fonts: tuple[str, ...] | None = None,
    slant: tuple[float, float] = (-0.25, 0.25),
    width: tuple[float, float] = (0.85, 1.15),
    height: tuple[float, float] = (0.55, 0.72),
    shift: float = 0.05,
    stroke: tuple[float, float] = (-0.01, 0.035),
    elastic: float = 0.03,
) -> GlyphParams:
    """Draw ``n`` samples' glyph parameters; classes are exactly balanced (±1).

    Args:
        n: number of samples.
        seed: seed of every draw (``numpy.random.default_rng(seed)``; a tuple of ints
            gives independent streams, e.g. ``(seed, 0)`` for training, ``(seed, 1)`` test).
        classes: ``'all'`` (10 classes), ``'no9'`` (9 classes, the 9 dropped) or ``'merge69'``
            (9 classes; label 6 is a 6 or a 9, half each).
        fonts: font files (default :data:`invlab.data.fonts.FONTS`), one drawn per sample.
        slant: ``(low, high)`` shear.
        width: ``(low, high)`` horizontal stretch.
        height: ``(low, high)`` glyph height as a fraction of the canvas (scale jitter).
        shift: largest translation along each axis, as a fraction of the canvas.
        stroke: ``(low, high)`` stroke change in glyph heights (about 0.1 is a regular
            stroke's width; negative thins).
        elastic: RMS elastic displacement in glyph heights (0 = none).
    """
    check_int(n, "n", minimum=1)
    for part in seed if isinstance(seed, tuple) else (seed,):
        check_int(part, "seed")
    check_choice(classes, "classes", CLASSES)
    fonts = FONTS if fonts is None else tuple(fonts)
    if not fonts:
        raise ValueError("fonts must name at least one font file, got an empty sequence")
    for font in fonts:
        digit_outlines(font)  # refuses an unknown font before any drawing
    slant, width, height = (check_range(v, k) for v, k in ((slant, "slant"), (width, "width"),
                                                           (height, "height")))  # fmt: skip
    if width[0] <= 0:
        raise ValueError(f"width must be positive stretch factors, got {width!r}")
    if height[0] <= 0 or height[1] > 1:
        raise ValueError(f"height must be fractions of the canvas in (0, 1], got {height!r}")
    shift = check_positive(shift, "shift", strict=False)
    if shift >= 0.5:
        raise ValueError(f"shift must be < 0.5 (a fraction of the canvas), got {shift}")
    stroke = check_range(stroke, "stroke")
    if stroke[0] <= -0.05:
        raise ValueError(f"stroke must be > -0.05 glyph heights (thinner erases), got {stroke!r}")
    elastic = check_positive(elastic, "elastic", strict=False)

    rng = np.random.default_rng(seed)
    k = 10 if classes == "all" else 9
    label = rng.permutation(np.arange(n) % k)
    digit = label.copy()
    if classes == "merge69":
        digit[label == 6] = np.where(rng.random(int((label == 6).sum())) < 0.5, 6, 9)
    field = rng.standard_normal((n, 2, _MODES, _MODES))
    field[:, :, 0, 0] = 0.0  # no constant term: translation is drawn separately
    field /= 1.0 + np.add.outer(np.arange(_MODES) ** 2, np.arange(_MODES) ** 2)
    rms = np.sqrt((_field_at(field, _GRID) ** 2).sum(-1).mean(-1))
    return GlyphParams(
        digit=digit,
        label=label,
        font=rng.integers(0, len(fonts), n),
        slant=rng.uniform(*slant, n),
        width=rng.uniform(*width, n),
        height=rng.uniform(*height, n),
        shift=rng.uniform(-shift, shift, (n, 2)),
        stroke=rng.uniform(*stroke, n),
        field=field * (elastic / np.maximum(rms, 1e-12))[:, None, None, None],
        fonts=fonts,
    )


def _field_at(field: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Displacements ``(..., V, 2)`` of the elastic fields ``(..., 2, K, K)`` at ``(V, 2)``."""
    modes = np.arange(_MODES) * np.pi
    cx = np.cos(np.outer(points[:, 0] + 0.5, modes))  # (V, K)
    cy = np.cos(np.outer(points[:, 1] + 0.5, modes))
    return np.einsum("vj,...ajk,vk->...va", cx, field, cy)


_g = np.linspace(-0.5, 0.5, 12)
_GRID = np.stack(np.meshgrid(_g, _g), -1).reshape(-1, 2)  # the glyph box, where RMS is taken


def render_glyphs(params: GlyphParams, size: int, scale: float = 1.0) -> np.ndarray:
    """Render every sample of ``params`` on a ``size × size`` canvas, glyph scaled by ``scale``.

    Args:
        params: from :func:`glyph_params`.
        size: canvas side in pixels (``>= 8``).
        scale: the glyph's size relative to its drawn ``height`` (about the glyph's centre;
            the translation stays a fraction of the canvas).

    Returns:
        ``(N, size, size)`` uint8 images (white glyph on black).

    Examples:
        >>> p = glyph_params(4, seed=1)
        >>> render_glyphs(p, 16).shape, render_glyphs(p, 40, scale=0.5).shape
        ((4, 16, 16), (4, 40, 40))
    """
    if not isinstance(params, GlyphParams):
        raise TypeError(f"params must be a GlyphParams, got {type(params).__name__}")
    check_int(size, "size", minimum=8)
    scale = check_positive(scale, "scale")
    if scale * float(params.height.max(initial=0)) > 1:
        raise ValueError(
            f"scale={scale} makes glyphs of height up to {scale * params.height.max():.2f} "
            f"canvases: they would be cut; draw smaller heights (height=...) for large scales"
        )
    out = np.empty((len(params), size, size), dtype=np.uint8)
    outlines = [digit_outlines(f) for f in params.fonts]
    for i in range(len(params)):
        h = scale * params.height[i]
        moved = []
        for poly in outlines[params.font[i]][params.digit[i]]:
            p = poly + _field_at(params.field[i], poly)
            x = (p[:, 0] + params.slant[i] * p[:, 1]) * params.width[i]
            # canvas: origin top-left, y down; the glyph's centre at the canvas centre + shift
            moved.append(np.stack([0.5 + params.shift[i, 0] + h * x,
                                   0.5 - params.shift[i, 1] - h * p[:, 1]], 1))  # fmt: skip
        image = rasterise(moved, size, params.stroke[i] * h * size)
        out[i] = np.rint(image * 255)
    return out


def rendered_digits(
    n_train: int = 12000,
    n_test: int = 2000,
    size: int = 28,
    *,
    scale: float = 1.0,
    classes: str = "all",
    seed: int = 0,
    cache: bool = True,
    **variation,
) -> Dataset:
    """Digits rendered from matplotlib's fonts with a real data set's variation, cached.

    Training and test samples come from the seeds ``(seed, 0)`` and ``(seed, 1)``, so the test
    set does not depend on ``n_train``, and sample ``i`` is the same glyph at every ``size``
    and ``scale``. Pixels are 8-bit levels divided by 255 (like MNIST's files); the same
    arguments give the same bytes, cached in :func:`invlab.data.cache_dir`.

    Args:
        n_train: training images.
        n_test: test images.
        size: canvas side in pixels (``>= 8``).
        scale: rendered glyph scale (see :func:`render_glyphs`).
        classes: ``'all'``, ``'no9'`` or ``'merge69'`` (see :func:`glyph_params`).
        seed: the data set's seed.
        cache: keep the images in the cache folder (``.npz``).
        **variation: :func:`glyph_params`'s ``fonts``, ``slant``, ``width``, ``height``,
            ``shift``, ``stroke``, ``elastic``.

    Returns:
        A :class:`Dataset` named ``rendered_digits{size}`` (with ``_no9`` / ``_merge69`` and
        ``_x{scale}`` when not the default): ``x`` ``(N, 1, size, size)`` float32 in
        ``[0, 1]``, 10 or 9 classes.

    Examples:
        >>> ds = rendered_digits(100, 20, size=28, cache=False)
        >>> ds.x_train.shape, ds.num_classes
        (torch.Size([100, 1, 28, 28]), 10)
    """
    check_int(n_train, "n_train", minimum=1)
    check_int(n_test, "n_test", minimum=1)
    check_int(size, "size", minimum=8)
    check_int(seed, "seed")
    scale = check_positive(scale, "scale")
    check_choice(classes, "classes", CLASSES)
    unknown = set(variation) - {"fonts", "slant", "width", "height", "shift", "stroke", "elastic"}
    if unknown:
        raise TypeError(f"rendered_digits got unknown argument(s) {sorted(unknown)}")
    options = {"classes": classes, **variation}
    key = json.dumps(
        [_VERSION, n_train, n_test, size, scale, seed, sorted(options.items())], default=list
    )
    path = cache_dir() / f"rendered_digits-{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz"

    def generate() -> dict[str, np.ndarray]:
        train = glyph_params(n_train, (seed, 0), **options)
        test = glyph_params(n_test, (seed, 1), **options)
        return {
            "x": render_glyphs(train, size, scale),
            "y": train.label,
            "x_test": render_glyphs(test, size, scale),
            "y_test": test.label,
        }

    arrays = cached_arrays(path, generate, cache)
    name = f"rendered_digits{size}" + ("" if classes == "all" else f"_{classes}")
    return Dataset(
        name=name + ("" if scale == 1 else f"_x{scale:g}"),
        x_train=torch.from_numpy(arrays["x"]).float().div_(255).unsqueeze(1),
        y_train=torch.from_numpy(arrays["y"]).long(),
        x_test=torch.from_numpy(arrays["x_test"]).float().div_(255).unsqueeze(1),
        y_test=torch.from_numpy(arrays["y_test"]).long(),
        num_classes=10 if classes == "all" else 9,
    )
