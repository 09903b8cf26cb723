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


register_dataset("glyph_digits", glyph_digits)
register_dataset("glyph_digits_rot", _glyph_digits_rot)
register_dataset("glyph_digits_scale", _glyph_digits_scale)
register_dataset("digits_rot", _digits_rot)
register_dataset("textures", textures)
