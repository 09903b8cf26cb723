"""Registers the 2D datasets with :func:`invlab.data.load_dataset`."""

from __future__ import annotations

from invlab.data.digits import digits
from invlab.data.glyphs import glyph_digits
from invlab.data.registry import register_dataset
from invlab.data.textures import textures
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
