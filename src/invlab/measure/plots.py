"""Figures of an invariance profile: per-layer bars, metric along the parameter, 2D maps.

Every function returns a :class:`matplotlib.figure.Figure` built with the object-oriented API
on the Agg canvas, so no display or global backend is touched (notebooks, servers, CI alike);
save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from invlab.measure.maps import grid_map
from invlab.measure.profiling import Profile

LABELS = {
    "goodfellow": "Goodfellow S (high: invariant)",
    "sensitivity": "sensitivity (0: invariant)",
    "equivariance": "equivariance error",
    "accuracy": "accuracy",
    "consistency": "consistency",
    "lie": "LEE (0: equivariant)",
    "lie_contribution": "share of output LEE",
    "lie_relative": "LEE / spread of the layer",
}


def axis_label(transform) -> str:
    """The x-axis label of a curve along ``transform``'s parameter, with its unit: the one the
    transformation owns (:attr:`invlab.transforms.Transform.axis_label`, which the study
    reports read too); ``None``: the generic label."""
    from invlab.transforms import Transform

    return Transform.axis_label if transform is None else transform.axis_label


def layer_label(name: str, kinds: dict[str, str] | None) -> str:
    """A layer as a reader knows it: ``'3 · Conv2d'`` where the name alone is a number."""
    kind = (kinds or {}).get(name)
    return f"{name} · {kind}" if kind and name.replace(".", "").isdigit() else name


def _plain_log_axis(axis, values) -> None:
    """Log scale read as plain numbers (1, 10, 100), no ``6×10¹``-style minor labels.

    Values within less than a decade would get no decade tick, hence no number at all on
    the axis: then a few round values spanning the data are labelled instead.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    axis.set_minor_formatter(NullFormatter())
    v = np.asarray([x for x in values if x == x and x > 0], dtype=float)
    if v.size == 0:
        return
    lo, hi = float(v.min()), float(v.max())
    decades = [10.0**k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]
    if sum(lo <= d <= hi for d in decades) >= 2:
        return
    if hi / lo < 1.01:  # one value: a window of ±20 % around it
        lo, hi = lo / 1.2, hi * 1.2
    ticks = sorted({float(f"{t:.2g}") for t in np.geomspace(lo, hi, 4)})
    axis.set_major_locator(FixedLocator(ticks))
    axis.axes.set_ylim(min(ticks[0], lo) / 1.05, max(ticks[-1], hi) * 1.05)


def _legend_outside(ax) -> None:
    """The legend right of the axes, where it covers no curve."""
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_layers(df: pd.DataFrame, metric: str = "sensitivity", kinds: dict[str, str] | None = None):
    """Bars of one metric per layer (its grid mean), one colour per model.

    Args:
        df: a tidy table from :func:`invlab.measure.profile` (several models allowed).
        metric: ``goodfellow``, ``sensitivity`` or ``equivariance``.
        kinds: ``{layer: module class}`` (:attr:`Profile.kinds`), to name numbered layers.

    Examples:
        >>> fig = plot_layers(df, "goodfellow")  # doctest: +SKIP
        >>> fig.savefig("goodfellow.png")  # doctest: +SKIP
    """
    rows = _summary(df, metric)
    if rows.empty:
        raise ValueError(f"df has no rows for metric {metric!r}; it has {sorted(set(df.metric))}")
    layers = list(dict.fromkeys(rows.layer))
    models = list(dict.fromkeys(rows.model))
    fig = _figure(max(4.0, 0.6 * len(layers) * len(models) + 1.5), 3.2)
    ax = fig.add_subplot()
    width = 0.8 / len(models)
    for j, name in enumerate(models):
        values = rows[rows.model == name].set_index("layer").value
        xs = [i + (j - (len(models) - 1) / 2) * width for i in range(len(layers))]
        ax.bar(xs, [values.get(layer, math.nan) for layer in layers], width, label=name)
    names = [layer_label(layer, kinds) for layer in layers]
    ax.set_xticks(range(len(layers)), names, rotation=30, ha="right")
    ax.set_ylabel(LABELS.get(metric, metric))
    finite = [v for v in rows.value.tolist() if v == v and abs(v) != math.inf]
    if not finite:  # constant data: every value undefined; say so instead of an empty plot
        ax.text(0.5, 0.5, "n/a: undefined (constant data?)", ha="center", transform=ax.transAxes)
    elif metric == "goodfellow" and max(finite) > 0:
        ax.set_yscale("log")
        _plain_log_axis(ax.yaxis, finite)
    if len(models) > 1:
        _legend_outside(ax)
    return fig


def plot_along(
    df: pd.DataFrame,
    metric: str = "sensitivity",
    layers: list[str] | None = None,
    *,
    xlabel: str = "transformation parameter",
    kinds: dict[str, str] | None = None,
):
    """One curve per layer: ``metric`` against the transformation parameter (1-parameter grids).

    ``xlabel`` names the parameter with its unit (:func:`axis_label`); ``kinds`` names
    numbered layers (:attr:`Profile.kinds`).

    Examples:
        >>> fig = plot_along(df, "accuracy")  # doctest: +SKIP
    """
    rows = df[(df.metric == metric) & df.param.map(_is_number)]
    if layers is not None:
        rows = rows[rows.layer.isin(layers)]
    if rows.empty:
        raise ValueError(
            f"df has no per-parameter rows of {metric!r} with a single numeric parameter"
        )
    fig = _figure(6.5, 3.2)
    ax = fig.add_subplot()
    for (model, layer), part in rows.groupby(["model", "layer"], sort=False):
        name = layer_label(layer, kinds)
        label = name if rows.model.nunique() == 1 else f"{model}: {name}"
        part = part.assign(param=part.param.astype(float)).sort_values("param")
        ax.plot(part.param, part.value, marker="o", ms=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(LABELS.get(metric, metric))
    _legend_outside(ax)
    return fig


def plot_maps(result: Profile, metric: str = "sensitivity", layers: list[str] | None = None):
    """Heatmaps of a per-parameter metric over a 2-parameter grid (e.g. 2D shifts), per layer.

    Examples:
        >>> from invlab.measure import translation_sensitivity_map  # doctest: +SKIP
    """
    source = {"output": result.accuracy} if metric == "accuracy" else getattr(result, metric)
    names = [n for n in (layers or list(source)) if source.get(n) is not None]
    if not names:
        raise ValueError(f"the profile has no {metric!r} values to draw")
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig = _figure(3.0 * cols, 2.8 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    tables = {name: grid_map(result, name, metric) for name in names}
    # One colour scale for all panels, so that an invariant layer looks invariant.
    top = max(float(np.nanmax(t.to_numpy())) for t in tables.values())
    vmax = max(top, 1.0) if metric in ("sensitivity", "accuracy") else max(top, 1e-12)
    for ax, name in zip(axes.flat, names):
        table = tables[name]
        image = ax.imshow(table.to_numpy(), origin="lower", cmap="viridis", vmin=0, vmax=vmax)
        ax.set_xticks(range(len(table.columns)), [_fmt(v) for v in table.columns], fontsize=6)
        ax.set_yticks(range(len(table.index)), [_fmt(v) for v in table.index], fontsize=6)
        ax.set_xlabel("dx")
        ax.set_ylabel("dy")
        ax.set_title(layer_label(name, result.kinds), fontsize="small")
    fig.colorbar(image, ax=axes, shrink=0.8)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    fig.suptitle(LABELS.get(metric, metric), fontsize="small")
    return fig


def save_figures(
    result: Profile, df: pd.DataFrame, out_dir: str | Path, transform=None
) -> list[Path]:
    """Write every figure that applies to ``out_dir`` as PNG; return their paths.

    ``transform`` (the one measured) labels the parameter axis with its unit.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    models = ", ".join(dict.fromkeys(str(m) for m in df.model))
    what = f"{models} · {transform!r}" if transform is not None else models
    context = f"{what} · n = {result.n} inputs, {result.grid.shape[0]} grid points"

    def save(fig, name: str) -> None:
        # A PNG is read away from the command that wrote it: say what was measured on what.
        shown = fig.get_suptitle()
        text = textwrap.fill(context, width=max(40, int(fig.get_figwidth() * 13)))
        fig.suptitle(f"{text}\n{shown}" if shown else text, fontsize="small")
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=120)
        paths.append(path)

    for metric in ("goodfellow", "sensitivity", "equivariance"):
        if (df.metric == metric).any():
            save(plot_layers(df, metric, result.kinds), f"layers_{metric}")
    if (df.metric == "lie").any():
        save(plot_lie(df, result.kinds), "layers_lie")
    two_d = result.grid.shape[1] == 2
    for metric in ("sensitivity", "equivariance", "accuracy"):
        if not (df.metric == metric).any():
            continue
        if two_d:
            save(plot_maps(result, metric), f"map_{metric}")
        elif result.grid.shape[1] == 1:
            xlabel = axis_label(transform)
            save(plot_along(df, metric, xlabel=xlabel, kinds=result.kinds), f"along_{metric}")
    return paths


def _summary(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = df[df.metric == metric]
    return rows[rows.param.isna() | (rows.param == "mean")]


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v)


def _fmt(v: float) -> str:
    return f"{v:g}"


def plot_lie(df: pd.DataFrame, kinds: dict[str, str] | None = None):
    """The Lie derivative per layer: each layer's own LEE and its contribution to the output's
    (Gruver et al. 2023), bars on a log axis, one colour per generator.

    Args:
        df: a tidy table with ``metric`` ``'lie'`` (and ``'lie_contribution'``) rows, from
            :func:`invlab.measure.profile` or :func:`invlab.measure.lie_derivative`.
        kinds: ``{layer: module class}``, to name numbered layers.
    """
    panels = [m for m in ("lie", "lie_contribution") if (df.metric == m).any()]
    if not panels:
        raise ValueError(f"df has no 'lie' rows; it has {sorted(set(df.metric))}")
    layers = list(dict.fromkeys(df[df.metric.isin(panels)].layer))
    fig = _figure(max(4.0, 0.5 * len(layers) + 2.5), 2.8 * len(panels))
    for k, metric in enumerate(panels):
        ax = fig.add_subplot(len(panels), 1, k + 1)
        rows = df[(df.metric == metric) & (df.param != "mean")]
        gens = list(dict.fromkeys(rows.param))
        width = 0.8 / max(1, len(gens))
        for j, g in enumerate(gens):
            values = rows[rows.param == g].set_index("layer").value
            xs = [i + (j - (len(gens) - 1) / 2) * width for i in range(len(layers))]
            # a zero has no place on a log axis: drawn as missing, the layer is exact
            ys = [values.get(layer, math.nan) for layer in layers]
            ax.bar(xs, [v if v > 0 else math.nan for v in ys], width, label=g)
        ax.set_xticks(
            range(len(layers)), [layer_label(n, kinds) for n in layers], rotation=30, ha="right"
        )
        ax.set_ylabel(LABELS[metric])
        ax.set_yscale("log")
        if len(gens) > 1:
            _legend_outside(ax)
    return fig
