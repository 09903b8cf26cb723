"""Where each point of an accuracy-along-the-transformation curve lies, in the transformation's
own unit: shifts in samples, rotations in degrees, zooms as factors, deformations as their
amplitude in pixels.

A stored curve point carries the transformation's parameter as the grid gave it: a number for
``shift``, ``rotate`` and ``scale``, a tuple of field coefficients for ``deform`` (one fixed
field scaled by ``t = 0 … 1``; see :meth:`invlab.transforms.Deform.grid`). For ``deform:A`` the
point ``i`` of ``steps`` lies at the nominal RMS displacement ``A · i / (steps − 1)`` pixels.

The axis label is the transformation's own (:attr:`invlab.transforms.Transform.axis_label`),
which the store puts beside each curve (column ``axis_label``); this module only formats points.
"""

from __future__ import annotations

import pandas as pd

# how a point's position reads in a table header, per transformation kind
POINT_FORMATS = {"shift": "{:+g}", "rotate": "{:g}°", "scale": "×{:.3g}", "deform": "{:.3g} px"}
GENERIC_LABEL = "transformation parameter"


def axis_label(curves: pd.DataFrame) -> str:
    """The x-axis label of the curves in ``curves`` (rows of one transformation): their
    ``axis_label`` column, as :meth:`ResultStore.curves` gives it (the generic label without)."""
    labels = curves["axis_label"].dropna() if "axis_label" in curves else ()
    return str(labels.iloc[0]) if len(labels) else GENERIC_LABEL


def point_text(transform: str, x: float) -> str:
    """A column header for the point at ``x`` of a curve along ``transform``."""
    return POINT_FORMATS.get(_kind(transform), "{:.3g}").format(x)


def _kind(transform: str) -> str:
    """``'rotate'`` for ``rotate:0:360`` (the first kind of a composed spec)."""
    return transform.split(":")[0].split("+")[0].lower()


def with_positions(curves: pd.DataFrame) -> pd.DataFrame:
    """``curves`` with a float column ``x``: each point's position in its transformation's unit
    (rows whose parameter has no such position, e.g. a composed transformation, are dropped).

    Args:
        curves: :meth:`ResultStore.curves` rows (``key, transform, param, accuracy, …``), each
            run's points in grid order.
    """
    if not len(curves):
        return curves.assign(x=pd.Series(dtype=float))
    parts = []
    for transform, part in curves.groupby("transform", sort=False):
        part = part.copy()
        args = str(transform).split(":")[1:]
        if _kind(str(transform)) == "deform" and len(args) == 1:
            step = part.groupby("key").cumcount()
            last = part.groupby("key").param.transform("size") - 1
            part["x"] = float(args[0]) * step / last.where(last > 0, 1)
        else:
            part["x"] = pd.to_numeric(part.param, errors="coerce")
        parts.append(part[part.x.notna()])
    return pd.concat(parts).sort_index() if parts else curves.assign(x=pd.Series(dtype=float))
