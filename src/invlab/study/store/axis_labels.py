"""Each stored curve's x-axis label, read from the transformation its run measured along.

A transformation owns the label of its parameter (:attr:`invlab.transforms.Transform.axis_label`,
e.g. ``'rotation angle (°)'``); :mod:`invlab.measure.plots` reads it from the object. The study's
report may import only the store and the statistics, so the store hands the same label over as
a column of the curves it reads (:meth:`~invlab.study.store.ResultStore.curves`).
"""

from __future__ import annotations

from functools import cache

import pandas as pd


@cache
def axis_label(spec: str) -> str:
    """The label that the transformation named by ``spec`` (``'rotate:0:360'``) owns; a spec
    that no longer parses gets the generic label of :class:`~invlab.transforms.Transform`.

    Examples:
        >>> axis_label("rotate:0:360"), axis_label("shift:-4:4")
        ('rotation angle (°)', 'shift (samples)')
    """
    from invlab.transforms import Transform, parse_transform

    try:
        return parse_transform(spec).axis_label
    except (TypeError, ValueError):
        return Transform.axis_label


def with_axis_labels(curves: pd.DataFrame) -> pd.DataFrame:
    """``curves`` (with a ``transform`` column of specs) and a column ``axis_label``."""
    if "transform" not in curves:
        return curves.assign(axis_label=pd.Series(dtype=object))
    return curves.assign(axis_label=curves["transform"].map(lambda s: axis_label(str(s))))
