"""Registers the 2D datasets with :func:`invlab.data.load_dataset`."""

from __future__ import annotations

import functools

from invlab.data.digits_sklearn import digits
from invlab.data.glyphs import glyph_digits
from invlab.data.registry import register_dataset
from invlab.data.rendered import rendered_digits
from invlab.data.textures_skimage import textures
from invlab.data.variants import rotated, scaled


def _glyph_digits_rot(**kwargs):
    return rotated(glyph_digits(**kwargs))


def _glyph_digits_scale(**kwargs):
    return scaled(glyph_digits(**kwargs))


def _digits_rot(size: int = 16, **kwargs):
    return rotated(digits(size=size, **kwargs))


def _digits_padded(**kwargs):
    """The 8×8 digits in a 12×12 zero frame: room to rotate (the 2D studies' set)."""
    return digits(pad=2, **kwargs)


def _glyph_digits16(**kwargs):
    """2000 glyph digits of 16×16 (1600 train, 400 test): small enough for the 2D studies."""
    return glyph_digits(**{"n": 2000, "size": 16, **kwargs})


register_dataset("glyph_digits", glyph_digits)
register_dataset("glyph_digits_rot", _glyph_digits_rot)
register_dataset("glyph_digits_scale", _glyph_digits_scale)
register_dataset("digits_rot", _digits_rot)
register_dataset("digits_padded", _digits_padded)
register_dataset("glyph_digits16", _glyph_digits16)
register_dataset("textures", textures)

# Rendered digits (12 000 train / 2 000 test) at three resolutions from the same glyph
# parameters, and without the 9 for full-rotation tasks (a 6 turned by 180° is a 9).
for _size in (16, 28, 40):
    for _classes in ("all", "no9"):
        register_dataset(
            f"rendered_digits{_size}" + ("" if _classes == "all" else f"_{_classes}"),
            functools.partial(rendered_digits, size=_size, classes=_classes),
        )
register_dataset("rendered_digits", rendered_digits)

# The scale study's set: glyphs 30-40 % of a 32-pixel canvas, so that the test set rendered at
# zoom 0.5-2 (same glyphs, `scale=`) stays on the canvas; 6 000 training images to fit its budget.
register_dataset(
    "rendered_zoom32",
    functools.partial(rendered_digits, n_train=6000, n_test=2000, size=32, height=(0.3, 0.4)),
)
