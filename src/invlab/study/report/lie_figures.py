"""The Lie derivative layer by layer, trained against initialised, for models of growing size.

:func:`lie_figure` draws the ``train-lie`` runs' per-layer LEE (:mod:`invlab.measure.metrics.lie`):
one row of panels per transformation, one column per family, one line per configuration
(mean over seeds, 95 % interval as a band) coloured from light (fewest parameters) to dark
(most), solid after training and dashed at initialisation, on a log axis. It prefers the
normalised LEE (``lie_relative``), which compares sizes, and falls back to the raw ``lie``
where a database has no normalised values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from invlab.study.report.figures import _aggregate, _pyplot, _seeds_note


def lie_panels(layers: pd.DataFrame) -> tuple[str, list[str]]:
    """The metric drawn (``'lie_relative'`` or ``'lie'``) and the transformations' suffixes
    (``''`` for a run's own transformation, ``'_rotate'``, ...), in the order stored."""
    metrics = set(layers.metric)
    base = "lie_relative" if any(m.startswith("lie_relative") for m in metrics) else "lie"
    pattern = rf"^{base}(_shift|_rotate|_scale)?$"
    found = layers.metric[layers.metric.str.match(pattern)]
    return base, list(dict.fromkeys(m[len(base) :] for m in found))


def lie_figure(runs: pd.DataFrame, layers: pd.DataFrame, augmented: bool = False):
    """Per-layer LEE of the runs without (or with) augmentation; None when they have none."""
    if not len(layers):
        return None
    base, suffixes = lie_panels(layers)
    part = layers[layers.augment.notna() == augmented]
    if not suffixes or not len(part):
        return None
    params = runs.set_index("key").params if "params" in runs else pd.Series(dtype=float)
    part = part.assign(params=part.key.map(params))
    families = list(dict.fromkeys(part.family))
    plt = _pyplot()
    fig, axes = plt.subplots(
        len(suffixes),
        len(families),
        figsize=(4.2 * len(families), 3.0 * len(suffixes) + 0.6),
        squeeze=False,
    )
    counts = []
    for row, suffix in enumerate(suffixes):
        for col, family in enumerate(families):
            ax = axes[row][col]
            mine = part[part.family == family]
            sizes = sorted(mine.groupby("group").params.first().items(), key=lambda kv: kv[1])
            shades = plt.cm.viridis(np.linspace(0.85, 0.1, max(1, len(sizes))))
            names: list[str] = []
            for (group, n_params), shade in zip(sizes, shades):
                for prefix, style in (("", "-"), ("init_", "--")):
                    rows = mine[(mine.group == group) & (mine.metric == f"{prefix}{base}{suffix}")]
                    if not len(rows):
                        continue
                    names = names or list(dict.fromkeys(rows.layer))
                    label = f"{_count(n_params)} params" + (", init" if prefix else "")
                    counts.append(_draw_line(ax, rows, style, shade, label))
            ax.set_yscale("log")
            ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=7)
            ax.set_title(f"{family}: {suffix.lstrip('_') or 'run transform'}", fontsize=9)
            ax.grid(alpha=0.3)
            if row == 0:
                ax.legend(fontsize=6, loc="best")
        axes[row][0].set_ylabel("LEE / spread" if base == "lie_relative" else "LEE")
    regime = "with" if augmented else "without"
    note = _seeds_note(pd.Series(counts, dtype=float))
    fig.suptitle(f"{base} per layer, trained (solid) and at init (dashed), {regime} augmentation")
    fig.text(0.5, 0.005, note, ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def _draw_line(ax, rows: pd.DataFrame, style: str, colour, label: str) -> int:
    """One configuration's layers: the mean over seeds and its band; returns the fewest seeds."""
    order = {name: i for i, name in enumerate(dict.fromkeys(rows.layer))}
    line = _aggregate(rows.assign(position=rows.layer.map(order)), ["position"], "value")
    ys = line["mean"].where(line["mean"] > 0)  # a zero has no place on a log axis
    ax.plot(line.position, ys, style, marker="o", ms=3, color=colour, label=label)
    band = np.nan_to_num(line.ci.to_numpy(dtype=float))
    low = (line["mean"] - band).where(lambda v: v > 0)
    ax.fill_between(line.position, low, line["mean"] + band, color=colour, alpha=0.12)
    return int(line.n.min())


def _count(n: float) -> str:
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "?"
    return f"{n / 1000:.0f}k" if n >= 10_000 else f"{int(n):,}"
