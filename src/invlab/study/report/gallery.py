"""Every figure a study can have, by name, and how a set of them is saved.

A run kind (:mod:`invlab.study.runs`) names the figures its runs produce; this module draws
them from the store's tables without knowing the kinds:

- ``size``: invariance and accuracy against parameter count (:func:`~.figures.size_figure`);
- ``curve``: accuracy along the transformation (:func:`~.figures.curve_figure`);
- ``layers``: per-layer profiles (:func:`~.figures.layer_figure`);
- ``infinite-width``: finite networks against their kernels
  (:func:`~.limit_figures.infinite_width_figure`);
- ``learn-dft``: learning the DFT (:func:`~.limit_figures.learn_dft_figure`);
- ``lie``, ``lie-augmented``: the Lie derivative per layer, trained and at initialisation,
  without / with augmentation (:func:`~.lie_figures.lie_figure`).
- ``parameterisations``: SP, NTK and μP against width and their kernel
  (:func:`~.param_figures.parameterisation_figure`);
- ``ensembles``: ensembles against their members (:func:`~.param_figures.ensemble_figure`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from invlab.study.report import figures, lie_figures, limit_figures, param_figures
from invlab.study.report.figures import save_figure

Draw = Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame], object]


def _size(runs, layers, curves):
    return figures.size_figure(runs) if len(runs) else None


def _curve(runs, layers, curves):
    return figures.curve_figure(curves) if len(curves) else None


def _layers(runs, layers, curves):
    return figures.layer_figure(layers) if len(layers) else None


def _infinite_width(runs, layers, curves):
    return limit_figures.infinite_width_figure(runs, layers) if len(runs) else None


def _learn_dft(runs, layers, curves):
    return limit_figures.learn_dft_figure(runs, layers) if len(runs) else None


def _lie(runs, layers, curves):
    return lie_figures.lie_figure(runs, layers, augmented=False)


def _lie_augmented(runs, layers, curves):
    return lie_figures.lie_figure(runs, layers, augmented=True)


def _parameterisations(runs, layers, curves):
    return param_figures.parameterisation_figure(runs, layers) if len(runs) else None


def _ensembles(runs, layers, curves):
    return param_figures.ensemble_figure(runs, layers) if len(runs) else None


FIGURES: dict[str, Draw] = {
    "size": _size,
    "curve": _curve,
    "layers": _layers,
    "infinite-width": _infinite_width,
    "learn-dft": _learn_dft,
    "lie": _lie,
    "lie-augmented": _lie_augmented,
    "parameterisations": _parameterisations,
    "ensembles": _ensembles,
}
"""Name → ``draw(runs, layers, curves)``: a matplotlib Figure, or None without data."""


def draw(name: str, runs: pd.DataFrame, layers: pd.DataFrame, curves: pd.DataFrame):
    """The figure ``name`` of these finished runs (None where they have no data for it).

    Raises:
        ValueError: an unknown figure name.
    """
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; figures: {', '.join(FIGURES)}")
    done = runs[runs.status == "done"] if len(runs) else runs
    keys = set(done.key) if len(done) else set()
    mine = [t[t.key.isin(keys)] if len(t) else t for t in (layers, curves)]
    return FIGURES[name](done, *mine)


def save_figures(
    names: Iterable[str],
    runs: pd.DataFrame,
    layers: pd.DataFrame,
    curves: pd.DataFrame,
    folder: str | Path,
    dpi: int = 110,
) -> list[Path]:
    """Write each figure of ``names`` that has data as ``folder/NAME.png``."""
    paths = []
    for name in names:
        fig = draw(name, runs, layers, curves)
        if fig is not None:
            paths.append(save_figure(fig, Path(folder) / f"{name}.png", dpi=dpi))
    return paths
