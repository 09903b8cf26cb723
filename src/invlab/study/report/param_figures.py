"""Figures of the parameterisation study: finite networks in SP, NTK and μP against width with
their kernel as horizontal lines, the learning-rate tuning at the base width, and ensembles
against their members. Every point is a mean over seeds with its 95 % interval."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from invlab.study.report.figures import _pyplot
from invlab.study.report.limit_figures import (
    KERNEL_LINES_KEY,
    extras_table,
    kernel_lines,
    seed_points,
)

NAMES = {"sp": "SP", "ntk": "NTK", "mup": "μP"}
"""How each parameterisation is written on a figure."""
_ARCHITECTURES = (("stax_mlp", "mlp", "MLP"), ("stax_cnn", "cnn", "flatten CNN"))
_PANELS = (("test_accuracy", "test accuracy"), ("consistency", "consistency"))
_PANELS += (("sensitivity", "feature sensitivity (0 = invariant)"),)


def _with_size(runs: pd.DataFrame) -> pd.DataFrame:
    runs = runs.copy()
    size = runs["size"].map(json.loads)
    for name in ("width", "lr", "param", "readout", "symmetrize", "augment_shifts"):
        runs[name] = size.map(lambda d, name=name: d.get(name))
    runs["depth"] = size.map(lambda d: int(d.get("depth", 1)))  # every kind's default is 1
    return runs


def same_depth(kernels: pd.DataFrame, networks: pd.DataFrame) -> pd.DataFrame:
    """The kernel runs whose depth is one of ``networks``' depths: a study holding kernels of
    several depths (a depth-3 sweep beside depth-1 ensembles) draws each network only against
    the limit of its own architecture. Both frames come from :func:`_with_size`."""
    return kernels[kernels.depth.isin(set(networks.depth))]


def _kernel_lines(ax, kernels: pd.DataFrame, table: pd.DataFrame, metric: str) -> None:
    """Each kernel's values in black (:func:`kernel_lines`); sensitivity is the NNGP feature
    map's (one solid line)."""
    for _, run in kernels.groupby("group"):
        if metric == "sensitivity":
            ax.axhline(run.sensitivity.mean(), color="k", lw=1)
            continue
        kernel_lines(ax, table[table.config == run.group.iloc[0]], metric, "k")


def _rate_axis(ax) -> None:
    """A log₂ learning-rate axis labelled 2⁻⁷ … 2¹ (the tuning grids are powers of two), not
    with matplotlib's minor-tick products, which overlap on a narrow range."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"$2^{{{math.log2(v):g}}}$"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(alpha=0.3)


def parameterisation_figure(runs: pd.DataFrame, layers: pd.DataFrame):
    """Per architecture (rows): accuracy, consistency and feature sensitivity against width for
    each parameterisation (families with at least two widths), the kernel as horizontal lines,
    and the final training loss against the learning rate at the base width (the tuning: the
    families with one width and several learning rates). None without ``param`` runs."""
    done = _with_size(runs[(runs.status == "done")])
    finite = done[(done.kind == "finite") & done.param.notna()]
    if not len(finite):
        return None
    plt = _pyplot()
    table = extras_table(runs, layers)
    colours = {p: plt.cm.tab10(i) for i, p in enumerate(NAMES)}
    fig, axes = plt.subplots(2, 4, figsize=(21, 8.5), squeeze=False)
    for row, (model, kernel_model, title) in zip(axes, _ARCHITECTURES):
        mine = finite[finite.model == model]
        kernels = done[(done.kind == "kernel") & (done.model == kernel_model)]
        kernels = kernels[kernels.symmetrize.isna() | ~kernels.symmetrize.astype(bool)]
        kernels = same_depth(kernels, mine)
        for ax, (metric, label) in zip(row, _PANELS):
            for family, block in mine.groupby("family"):
                if block.width.nunique() < 2:
                    continue
                w, m, c = seed_points(block, "width", metric)
                param = block.param.iloc[0]
                ax.errorbar(w, m, yerr=c, marker="o", capsize=3, color=colours[param],
                            label=f"{family} (lr {block.lr.iloc[0]:g})")  # fmt: skip
            _kernel_lines(ax, kernels, table, metric)
            ax.set(xscale="log", xlabel="width (units / channels)", title=f"{title}: {label}")
            ax.grid(alpha=0.3)
        tune = row[3]
        for family, block in mine.groupby("family"):
            if block.width.nunique() != 1 or block.lr.nunique() < 2:
                continue
            block = block.assign(loss=block.final_loss.where(np.isfinite(block.final_loss)))
            lr, m, c = seed_points(block, "lr", "loss")
            tune.errorbar(lr, m, yerr=c, marker="o", capsize=3,
                          color=colours[block.param.iloc[0]], label=family)  # fmt: skip
        tune.set(xlabel="learning rate", title=f"{title}: final loss, base width")
        _rate_axis(tune)
        if tune.get_legend_handles_labels()[0]:
            tune.legend(fontsize=7)
        else:  # this study tuned no rate for this architecture (it reuses another study's)
            tune.text(0.5, 0.5, "no rate tuning in this study", ha="center", va="center",
                      transform=tune.transAxes, color="grey")  # fmt: skip
            tune.set(xticks=[], yticks=[])
        if row[2].get_legend_handles_labels()[0]:
            row[2].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(
        "SP, NTK and μP against width (mean ± 95 % CI over seeds); black: the NTK-"
        f"parameterisation kernel ({KERNEL_LINES_KEY})"
    )
    fig.tight_layout()
    return fig


def ensemble_figure(runs: pd.DataFrame, layers: pd.DataFrame):
    """Consistency and accuracy against width of ensembles (solid) and their average member
    (dashed), with and without shift augmentation; the plain and the shift-symmetrised MLP
    kernels as horizontal lines (— and ···)."""
    done = _with_size(runs[runs.status == "done"])
    ens = done[done.kind == "ensemble"]
    if not len(ens):
        return None
    plt = _pyplot()
    table = extras_table(runs, layers)
    members = table[(table.kind == "ensemble") & (table.group == "members")]
    kernels = same_depth(done[(done.kind == "kernel") & (done.model == "mlp")], ens)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, metric in zip(axes, ("consistency", "test_accuracy")):
        for i, (family, block) in enumerate(ens.groupby("family")):
            colour = plt.cm.tab10(i)
            w, m, c = seed_points(block, "width", metric)
            ax.errorbar(w, m, yerr=c, marker="o", capsize=3, color=colour, label=family)
            mem = members[members.family == family].copy()
            mem["width"] = mem["size"].map(lambda s: json.loads(s)["width"])
            mem = mem.sort_values("width")
            ax.errorbar(mem.width, mem[metric], yerr=np.nan_to_num(mem[f"{metric}_ci"]),
                        marker="s", ls="--", capsize=3, color=colour,
                        label=f"{family}: its members")  # fmt: skip
        for _, run in kernels.iterrows():
            style = ":" if run.symmetrize else "-"
            ax.axhline(run[metric], color="k", ls=style, lw=1)
        widths = sorted(ens.width.unique())
        ax.set(xscale="log", xlabel="width", title=metric.replace("_", " "))
        ax.set_xticks(widths, [str(int(w)) for w in widths], minor=False)
        ax.set_xticks([], minor=True)
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(
        "ensemble mean (—) against its average member (– –), mean ± 95 % CI over seeds; "
        "black: MLP NTK kernel (—), shift-symmetrised (···)"
    )
    fig.tight_layout()
    return fig
