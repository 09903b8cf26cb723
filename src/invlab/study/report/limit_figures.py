"""Tables and figures of the kernel, finite and learn-dft runs (the infinite-width limit and
learning the DFT), read from the results store: the run metrics and the extras (the runs'
``layers`` JSON), each a mean over seeds with its 95 % interval and n."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from invlab.study.report.figures import _pyplot
from invlab.study.stats import mean_ci

INVARIANCE = ("test_accuracy", "transformed_accuracy", "consistency", "sensitivity")
_KERNEL_STYLES = (("ntk", "-"), ("ntk_gd", "--"), ("nngp", ":"))
KERNEL_LINES_KEY = "NTK converged —, NTK after the same gradient descent – –, NNGP ···"
"""What the line styles of :func:`kernel_lines` mean, for a figure's title."""


def extras_table(runs: pd.DataFrame, layers: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration and extras group: ``label, kind, model, family, size, group,
    n`` and for each metric its ``mean`` and ``ci`` columns (``METRIC``, ``METRIC_ci``)."""
    if not len(layers):
        return pd.DataFrame()
    done = runs[runs.status == "done"].set_index("key")
    part = layers[layers.key.isin(done.index)]
    rows = []
    for (group, name), block in part.groupby(["group", "layer"], sort=False):
        first = done.loc[block.key.iloc[0]]
        row = {"config": group, "label": first.label, "kind": first.get("kind", "train")}
        row.update(model=first.model, family=first.family, size=first["size"], group=name)
        for metric, values in block.groupby("metric", sort=False):
            est = mean_ci(values.value.to_numpy(dtype=float))
            row[metric], row[f"{metric}_ci"], row["n"] = est.mean, est.half_width, est.n
        rows.append(row)
    return pd.DataFrame(rows)


def fmt(mean: float, ci: float, digits: int = 3) -> str:
    """``mean ± ci`` (the mean alone where there is no interval)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return ""
    if ci is None or math.isnan(ci):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {ci:.{digits}f}"


def seed_points(block: pd.DataFrame, x: str, metric: str):
    """``(x, mean, half-width)`` arrays of ``metric`` over seeds at each value of column ``x``,
    sorted by ``x``; NaN intervals (one seed) as 0."""
    pts = []
    for value, rows in block.groupby(x):
        est = mean_ci(rows[metric].to_numpy(dtype=float))
        pts.append((value, est.mean, 0.0 if math.isnan(est.half_width) else est.half_width))
    return map(np.array, zip(*sorted(pts))) if pts else (np.array([]),) * 3


def kernel_lines(ax, extras: pd.DataFrame, metric: str, color) -> None:
    """One kernel's ``metric`` as horizontal lines in ``color``, from its :func:`extras_table`
    rows: NTK converged (—), NTK after the finite nets' gradient descent (– –), NNGP (···),
    each where the kernel has that value (:data:`KERNEL_LINES_KEY`)."""
    for group, style in _KERNEL_STYLES:
        row = extras[extras.group == group]
        if len(row) and metric in row and not pd.isna(row[metric].iloc[0]):
            ax.axhline(row[metric].iloc[0], color=color, ls=style, lw=1)


def _width(size: str) -> float:
    import json

    return float(json.loads(size).get("width", math.nan))


def infinite_width_figure(runs: pd.DataFrame, layers: pd.DataFrame):
    """Each invariance metric against width: finite networks (mean ± 95 % CI over seeds) and
    their kernel's value as horizontal lines (NTK converged: solid; NTK after the finite
    nets' training: dashed; NNGP: dotted)."""
    plt = _pyplot()
    done = runs[runs.status == "done"]
    finite = done[done.kind == "finite"].copy()
    finite["width"] = finite["size"].map(_width)
    table = extras_table(runs, layers)
    kernels = table[table.kind == "kernel"] if len(table) else table
    families = sorted(finite.family.unique())
    colours = {f: plt.cm.tab10(i % 10) for i, f in enumerate(families)}
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.6))
    for ax, metric in zip(axes, INVARIANCE):
        for family in families:
            w, m, c = seed_points(finite[finite.family == family], "width", metric)
            ax.errorbar(w, m, yerr=c, marker="o", capsize=3, color=colours[family], label=family)
            kernel_lines(ax, kernels[kernels.family == family], metric, colours[family])
        ax.set_xscale("log")
        ax.set_xlabel("width (units / channels)")
        ax.set_title(
            metric.replace("_", " ") + (" (0 = invariant)" if metric == "sensitivity" else "")
        )
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(
        "finite nets (points, 95 % CI over seeds) against their infinite-width kernel "
        f"(lines: {KERNEL_LINES_KEY})"
    )
    fig.tight_layout()
    return fig


def learn_dft_figure(runs: pd.DataFrame, layers: pd.DataFrame):
    """(a) weight error of the linear layer vs steps per sample count, white noise and
    MNIST-1D; per-frequency error at the largest budget; (b) fit error and sensitivity of the
    learned |DFT| vs parameters, in distribution (MNIST-1D) and out (white noise)."""
    import json

    plt = _pyplot()
    table = extras_table(runs, layers)
    fig, axes = plt.subplots(1, 4, figsize=(20, 4.6))
    lin = table[(table.model == "linear") & (table.group == "linear")].copy()
    if len(lin):
        size = lin["size"].map(json.loads)
        lin["data"], lin["samples"] = (
            size.map(lambda d: d["data"]),
            size.map(lambda d: d["samples"]),
        )
        lin["steps"] = size.map(lambda d: d["steps"])
        for (data, samples), block in lin.groupby(["data", "samples"]):
            block = block.sort_values("steps")
            axes[0].errorbar(
                block.steps,
                block.weight_error,
                yerr=np.nan_to_num(block.weight_error_ci.to_numpy(dtype=float)),
                marker="o",
                ls="-" if data == "noise" else "--",
                label=f"{data}, {samples} samples",
            )
        axes[0].set(xscale="log", yscale="log", xlabel="SGD steps", title="(a) ‖W − D‖ / ‖D‖")
        axes[0].legend(fontsize=7)
        freq = table[(table.model == "linear") & (table.group == "frequency")].copy()
        size = freq["size"].map(json.loads)
        best = size.map(lambda d: (d["samples"], d["steps"])).max()
        for data in ("noise", "mnist1d"):
            pick = freq[
                size.map(lambda d, data=data: (d["data"], (d["samples"], d["steps"])))
                == (data, best)
            ]
            pick = pick[[c for c in pick.columns if c.isdigit()]]
            if len(pick):
                ks = sorted(pick.columns, key=int)
                axes[1].plot(
                    [int(k) for k in ks], pick[ks].iloc[0].to_numpy(), marker="o", label=data
                )
        axes[1].set(
            yscale="log",
            xlabel="input frequency k",
            title=f"(a) error per frequency, {best[0]} samples, {best[1]} steps",
        )
        axes[1].legend(fontsize=7)
    mlp = table[table.model.isin(["dft_mlp", "exact"])].copy()
    if len(mlp):
        params = runs.groupby("group").params.first()
        mlp["params"] = mlp.config.map(params).replace(0, 1)
        for ax, metric, title in (
            (axes[2], "fit_error", "(b) relative fit error to |DFT x|"),
            (axes[3], "sensitivity", "(b) output sensitivity (0 = invariant)"),
        ):
            for data, style in (("mnist1d", "o-"), ("noise", "s--")):
                block = mlp[(mlp.group == data) & (mlp.model == "dft_mlp")].sort_values("params")
                for family, fam in block.groupby("family"):
                    ax.errorbar(
                        fam.params,
                        fam[metric],
                        yerr=np.nan_to_num(fam[f"{metric}_ci"]),
                        fmt=style,
                        capsize=3,
                        label=f"{family}, {data}",
                    )
                exact = mlp[(mlp.group == data) & (mlp.model == "exact")]
                if len(exact):
                    ax.axhline(exact[metric].iloc[0], color="k", lw=1)
            ax.set(xscale="log", xlabel="parameters", title=title)
            ax.grid(alpha=0.3)
        axes[3].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle("learn-dft: mean ± 95 % CI over seeds; black line: exact FourierModulus")
    fig.tight_layout()
    return fig
