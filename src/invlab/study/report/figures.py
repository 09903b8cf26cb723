"""A study's figures, every point a mean over seeds with its 95 % interval (error bars or
bands; none where n = 1, and the caption says so).

- :func:`size_figure`: invariance and accuracy against parameter count, per family;
- :func:`curve_figure`: accuracy against the transformation, in its unit, per configuration;
- :func:`layer_figure`: each per-layer metric, input to output, per configuration.

Each returns a matplotlib Figure; :mod:`invlab.study.report.gallery` names and saves them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from invlab.study.report.summary import summary_table
from invlab.study.stats import mean_ci

INTERVAL = "bars/bands: 95 % Student-t interval over seeds"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _colours(families) -> dict:
    """One colour per name: tab10, or tab20 when there are more than ten."""
    plt = _pyplot()
    names = sorted(families)
    cmap, size = (plt.cm.tab10, 10) if len(names) <= 10 else (plt.cm.tab20, 20)
    return {f: cmap(i % size) for i, f in enumerate(names)}


def _seeds_note(n: pd.Series) -> str:
    if not len(n):
        return ""
    low, high = int(n.min()), int(n.max())
    seeds = f"n = {low}" if low == high else f"n = {low}–{high}"
    return f"{seeds} seeds; {INTERVAL}" + ("" if low > 1 else " (none where n = 1)")


def _aggregate(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean, interval half-width and n of ``value`` over seeds, per ``by`` group."""
    rows = []
    for keys, part in frame.groupby(by, sort=False, dropna=False):
        estimate = mean_ci(part[value].to_numpy(dtype=float))
        rows.append({**dict(zip(by, keys)), "mean": estimate.mean, "ci": estimate.half_width})
        rows[-1]["n"] = estimate.n
    return pd.DataFrame(rows, columns=[*by, "mean", "ci", "n"])


def size_figure(runs: pd.DataFrame, title: str = "Does size give invariance?"):
    """Invariance and accuracy against parameter count, per family, with/without augmentation.

    Three panels share the x axis (parameters, log scale): the Goodfellow score and the
    normalised sensitivity of the last hidden layer, and the accuracy on transformed test
    inputs. Solid lines are trained without augmentation, dashed with; each point is the mean
    over seeds with its 95 % interval.
    """
    plt = _pyplot()
    summary = summary_table(runs)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    panels = [
        ("goodfellow", "Goodfellow score, last hidden layer\n(higher = more invariant)"),
        ("sensitivity", "sensitivity, last hidden layer\n(0 = invariant)"),
        ("transformed_accuracy", "test accuracy on transformed inputs"),
    ]
    families = sorted(summary.family.unique()) if len(summary) else []
    colours = _colours(families)
    for ax, (column, title_) in zip(axes, panels):
        for family in families:
            for augmented, style in ((False, "-"), (True, "--")):
                rows = summary[(summary.family == family) & (summary.augment.notna() == augmented)]
                if rows.empty:
                    continue
                rows = rows.sort_values("params")
                ax.errorbar(
                    rows.params,
                    rows[column],
                    yerr=np.nan_to_num(rows[f"{column}_ci"].to_numpy(dtype=float)),
                    fmt=style,
                    marker="o",
                    capsize=3,
                    color=colours[family],
                    label=f"{family}{' + aug' if augmented else ''}",
                )
        ax.set_xscale("log")
        ax.set_xlabel("parameters")
        ax.set_title(title_)
        ax.grid(alpha=0.3)
    if len(summary) and (summary.goodfellow > 0).all():
        axes[0].set_yscale("log")
    fig.suptitle(f"{title}\n{_seeds_note(summary.n)}" if len(summary) else title)
    if families:  # outside the panels, so no data point hides behind it
        axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


def curve_figure(curves: pd.DataFrame):
    """Accuracy against the transformation, in its unit (:mod:`invlab.study.report.curve_axis`): one
    panel per data set and transformation (:meth:`ResultStore.curves` rows), one line per
    configuration (mean over seeds; dashed when trained with augmentation), its 95 % interval as
    a band."""
    plt = _pyplot()
    from invlab.study.report.curve_axis import axis_label, with_positions

    points = with_positions(curves)
    panels = list(dict.fromkeys(zip(points["dataset"], points["transform"]))) or [("", "(none)")]
    columns = min(len(panels), 3)
    rows_ = -(-len(panels) // columns)
    fig, axes = plt.subplots(
        rows_,
        columns,
        figsize=(6.5 * columns + 3, 4.4 * rows_ + 0.6),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    # a line is named by its family, or by its run label where the family has several
    # configurations in one panel (e.g. every p of LpPool)
    panel = points.groupby(["dataset", "transform", "family"]).group.transform("nunique")
    points["line"] = points.family.where(panel == 1, points.label)
    colours = _colours(points.line.unique())
    counts = []
    for ax, (dataset, transform) in zip(axes.flat, panels):
        part = points[(points["dataset"] == dataset) & (points["transform"] == transform)]
        seen: set = set()
        for (_group, line_name, augment), rows in part.groupby(
            ["group", "line", "augment"], sort=True, dropna=False
        ):
            line = _aggregate(rows, ["x"], "accuracy").sort_values("x")
            counts.append(line.n.min())
            tagged = pd.isna(augment) or "augment" in line_name or "+aug" in line_name
            name = line_name if tagged else f"{line_name} + aug"
            style = "-" if pd.isna(augment) else "--"
            _line_with_band(ax, line, "x", colours[line_name], name, seen, ".", style)
        ax.set_title(f"{transform}" + (f" on {dataset}" if dataset else ""))
        ax.set_xlabel(axis_label(part))
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("test accuracy")
    handles = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    if handles:  # one legend outside the panels, so no curve hides behind it
        names = sorted(handles)
        fig.legend([handles[n] for n in names], names, fontsize=8, loc="outside right center")
    fig.suptitle(_seeds_note(pd.Series(counts, dtype=float)))
    return fig


def layer_figure(layers: pd.DataFrame):
    """Each per-layer metric (rows) at every layer, without / with augmentation (columns): one
    line per configuration (mean over seeds), its 95 % interval as a band."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    # dead-unit counts exist only at layers with ReLUs, so their positions would not line up
    # with the invariance metrics' (stored from the input on): tables show them instead
    layers = layers[~layers.metric.isin(["dead_units", "dead_fraction"])].copy()
    # a run's extras groups (class_split, learned_range: one row per value) are no layers;
    # a per-layer metric is stored at two layers at least (the input and one more)
    at = layers.groupby("metric").layer.nunique()
    layers = layers[layers.metric.isin(at[at > 1].index)].copy()
    layers["depth"] = layers.groupby(["key", "metric"]).cumcount()  # 0 = input
    metrics = sorted(layers.metric.unique())
    colours = _colours(layers.family.unique())
    regimes = [a for a in (False, True) if (layers.augment.notna() == a).any()] or [False]
    fig, axes = plt.subplots(
        len(metrics),
        len(regimes),
        figsize=(6.5 * len(regimes), 3.6 * len(metrics) + 0.4),
        squeeze=False,
        sharex=True,
    )
    counts = []
    for row, metric in enumerate(metrics):
        for col, augmented in enumerate(regimes):  # no empty panel for a regime not run
            ax = axes[row][col]
            part = layers[(layers.metric == metric) & (layers.augment.notna() == augmented)]
            seen = set()
            for (_group, family), rows in part.groupby(["group", "family"], sort=True):
                line = _aggregate(rows, ["depth"], "value").sort_values("depth")
                counts.append(line.n.min())
                _line_with_band(ax, line, "depth", colours[family], family, seen, "o")
            ax.set_title(f"{metric}, {'with' if augmented else 'without'} augmentation")
            ax.set_xlabel("layer (0 = input)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            if metric == "goodfellow" and len(part) and (part.value > 0).all():
                ax.set_yscale("log")
            if seen:
                ax.legend(fontsize=7, loc="best")
    fig.suptitle(_seeds_note(pd.Series(counts, dtype=float)))
    fig.tight_layout()
    return fig


def _line_with_band(
    ax, line: pd.DataFrame, x: str, colour, family: str, seen: set, marker, style: str = "-"
):
    """The mean over seeds as a line, its interval as a band; one legend entry per family."""
    label = None if family in seen else family
    seen.add(family)
    ax.plot(line[x], line["mean"], style, marker=marker, color=colour, alpha=0.85, label=label)
    band = np.nan_to_num(line.ci.to_numpy(dtype=float))
    low, high = line["mean"] - band, line["mean"] + band
    ax.fill_between(line[x], low, high, color=colour, alpha=0.15, linewidth=0)


def save_figure(fig, path: str | Path, dpi: int = 110) -> Path:
    """Save ``fig`` (format from the suffix), creating the folder, and close it."""
    plt = _pyplot()
    from invlab._atomic import replacing

    path = Path(path)
    with replacing(path) as temporary:  # atomic: a concurrent study's reader sees whole files
        fig.savefig(temporary, dpi=dpi, format=path.suffix.lstrip(".") or None)
    plt.close(fig)
    return path
