"""What a study's runs produce, asked of their run kinds: the figures to draw, and whether the
size trends apply. The one place that joins the run kinds (:mod:`invlab.study.runs`) and the
report (:mod:`invlab.study.report`), so that neither imports the other.

Examples:
    >>> import pandas as pd
    >>> figure_names(pd.DataFrame({"kind": ["train", "kernel"]}))
    ['size', 'curve', 'layers', 'infinite-width', 'parameterisations', 'ensembles']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invlab.study.runs import get_kind


def _kinds(runs: pd.DataFrame) -> list[str]:
    if not len(runs) or "kind" not in runs:
        return ["train"] if len(runs) else []
    return list(dict.fromkeys(runs.kind.fillna("train")))


def _drawn_from(name: str, runs: pd.DataFrame) -> pd.DataFrame:
    """The runs whose kind names the figure ``name``."""
    kinds = [k for k in _kinds(runs) if name in get_kind(k).figures]
    return runs[runs.kind.fillna("train").isin(kinds)] if "kind" in runs else runs


def figure_names(runs: pd.DataFrame) -> list[str]:
    """The figures of these runs' kinds, each once, in the kinds' order."""
    names: list[str] = []
    for kind in _kinds(runs):
        names += [n for n in get_kind(kind).figures if n not in names]
    return names


def sized(runs: pd.DataFrame) -> bool:
    """Whether every run's kind has a parameter count (size trends and figure apply)."""
    return all(get_kind(kind).sized for kind in _kinds(runs))


def extras_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs whose kind stores extras (named values) in place of per-layer values."""
    if not len(runs):
        return runs
    kinds = [k for k in _kinds(runs) if get_kind(k).extras]
    return runs[runs.kind.fillna("train").isin(kinds)] if "kind" in runs else runs.iloc[:0]


def save_study_figures(
    runs: pd.DataFrame, layers: pd.DataFrame, curves: pd.DataFrame, folder: str | Path
) -> list[Path]:
    """Write every figure of the runs' kinds into ``folder`` as ``NAME.png``, each drawn from
    the runs of the kinds that name it."""
    from invlab.study.report.gallery import save_figures

    paths = []
    for name in figure_names(runs):
        paths += save_figures([name], _drawn_from(name, runs), layers, curves, folder)
    return paths


def save_primary_figure(
    runs: pd.DataFrame, layers: pd.DataFrame, curves: pd.DataFrame, path: str | Path
) -> Path | None:
    """Write the study's first figure (the first kind's first figure) to ``path``."""
    from invlab.study.report.gallery import draw, save_figure

    for name in figure_names(runs):
        fig = draw(name, _drawn_from(name, runs), layers, curves)
        if fig is not None:
            return save_figure(fig, path)
    return None
