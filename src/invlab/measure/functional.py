"""The public measuring functions: :func:`profile`, :func:`measure` and one per metric.

Each is one call of :func:`invlab.measure.compute_profile` and takes its arguments (same
order, same defaults): ``(model, data, transform, layers='all', **options)``, ``options`` being
``steps, batch_size, device, firing_rate, top_fraction, polarity, rho`` as documented there.
Every value is the exact grid estimator of that function's docstring; the Monte Carlo
estimators have their own names (:mod:`invlab.measure.metrics.sampled`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import nn

from invlab.measure.activations import OUTPUT
from invlab.measure.metrics.goodfellow import layer_score
from invlab.measure.profiling import COLUMNS, compute_profile
from invlab.transforms import Transform

Layers = str | Sequence[str]
# per-layer rows collapsed to their mean by measure(): grid points, or the Lie generators
PER_LAYER_CURVES = [
    "sensitivity",
    "equivariance",
    "lie",
    "lie_contribution",
    "lie_relative",
]


def profile(
    model: nn.Module,
    data,
    transform: Transform,
    layers: Layers = "all",
    *,
    metrics: Sequence[str] | None = None,
    model_name: str = "model",
    **options,
) -> pd.DataFrame:
    """Every metric, every layer, every grid point: the tidy table of :func:`compute_profile`.

    Columns ``model, layer, metric, param, value``: per-parameter metrics (sensitivity,
    equivariance, accuracy) have one row per grid point and a row ``param='mean'``; scalar
    ones (goodfellow, consistency) have ``param=None``; ``consistency`` and ``accuracy`` sit at
    ``layer='output'``. ``model_name`` fills the ``model`` column.

    Examples:
        >>> from invlab.transforms import Shift
        >>> from invlab.invariants import FourierModulus
        >>> df = profile(nn.Sequential(FourierModulus()), torch.randn(300, 1, 32), Shift(8),
        ...              layers=["0"], metrics=["sensitivity"])
        >>> bool(df.query("param == 'mean'").value.item() < 1e-10)
        True
    """
    result = compute_profile(model, data, transform, layers, metrics=metrics, **options)
    return result.to_frame(model_name)


def measure(
    model: nn.Module, data, transform: Transform, layers: Layers = "all", **options
) -> pd.DataFrame:
    """:func:`profile` with one row per layer and metric: the per-layer curves' grid means.

    Takes :func:`profile`'s arguments (``metrics``, ``model_name`` and the options among
    ``options``). Same columns; sensitivity and equivariance keep only their mean over the grid
    (``param`` None); the accuracy curve keeps its rows per grid point and ``param='mean'``.

    Examples:
        >>> from invlab.models import create_model
        >>> from invlab.transforms import Shift
        >>> model = create_model("cnn", in_shape=(1, 16), channels=4, depth=1)
        >>> df = measure(model, (torch.randn(100, 1, 16), torch.randint(10, (100,))), Shift(4))
        >>> float(df.query("layer == 'pool' and metric == 'sensitivity'").value.item()) < 1e-10
        True
    """
    df = profile(model, data, transform, layers, **options)
    per_layer = df.metric.isin(PER_LAYER_CURVES)
    df = df[~per_layer | (df.param == "mean")].copy()
    df.loc[df.metric.isin(PER_LAYER_CURVES), "param"] = None
    return df[COLUMNS].reset_index(drop=True)


def goodfellow_unit_scores(
    model: nn.Module, data, transform: Transform, layers: Layers = "all", **options
) -> dict[str, torch.Tensor]:
    """Per-unit Goodfellow scores ``S(i)`` for each layer
    (:mod:`invlab.measure.metrics.goodfellow`).

    Returns:
        ``{layer: (U,) tensor}`` (``(2U,)`` with ``polarity='both'``); units that never fire
        are NaN.
    """
    result = compute_profile(model, data, transform, layers, metrics=["goodfellow"], **options)
    return result.goodfellow_units


def goodfellow_scores(
    model: nn.Module,
    data,
    transform: Transform,
    layers: Layers = "all",
    *,
    top_fraction: float = 0.2,
    **options,
) -> pd.DataFrame:
    """Layer scores of Goodfellow et al. (2009) as a DataFrame ``(layer, metric, value)``.

    Examples:
        >>> from invlab.invariants import FourierModulus
        >>> from invlab.transforms import Shift
        >>> m = nn.Sequential(FourierModulus())
        >>> df = goodfellow_scores(m, torch.randn(500, 1, 32), Shift(8), layers=["0"])
        >>> round(df.value.iloc[0])  # exactly invariant: 1 / G = 100
        100
    """
    per_unit = goodfellow_unit_scores(
        model, data, transform, layers, top_fraction=top_fraction, **options
    )
    rows = [
        {"layer": name, "metric": "goodfellow", "value": layer_score(s, top_fraction)}
        for name, s in per_unit.items()
    ]
    return pd.DataFrame(rows, columns=["layer", "metric", "value"])


def sensitivity(
    model: nn.Module, data, transform: Transform, layers: Layers = "all", **options
) -> pd.DataFrame:
    """Per-layer sensitivity, exact over the grid, as a DataFrame ``(layer, metric, value)``.

    ``value`` = mean over the grid of ``E_x‖φ(g_θ x) − φ(x)‖² / E_{x≠x′}‖φ(x′) − φ(x)‖²``
    (:mod:`invlab.measure.metrics.sensitivity`); 0 = invariant.

    Examples:
        >>> from invlab.invariants import FourierModulus
        >>> from invlab.transforms import Shift
        >>> df = sensitivity(nn.Sequential(FourierModulus()), torch.randn(64, 1, 32), Shift(8))
        >>> float(df.set_index("layer").value["0"]) < 1e-10
        True
    """
    result = compute_profile(model, data, transform, layers, metrics=["sensitivity"], **options)
    rows = [
        {"layer": name, "metric": "sensitivity", "value": float(values.mean())}
        for name, values in result.sensitivity.items()
    ]
    return pd.DataFrame(rows, columns=["layer", "metric", "value"])


def consistency(model: nn.Module, data, transform: Transform, **options) -> float:
    """Zhang (2019): ``P[argmax f(g₁x) = argmax f(g₂x)]`` over all pairs of grid points.

    Exact over the ``T²`` ordered pairs (:mod:`invlab.measure.metrics.consistency`).

    Examples:
        >>> from invlab.transforms import Shift
        >>> consistency(nn.Flatten(), torch.randn(100, 1, 16), Shift(4)) < 1
        True
    """
    result = compute_profile(model, data, transform, [OUTPUT], metrics=["consistency"], **options)
    return result.consistency


def accuracy_along(model: nn.Module, data, transform: Transform, **options) -> pd.DataFrame:
    """Accuracy on ``g_θ x`` for each ``θ`` of the grid; ``data`` is ``(x, y)`` or batches of it.

    Returns:
        DataFrame with columns ``param`` (the parameter; a tuple string when it has several
        components) and ``accuracy``.
    """
    result = compute_profile(model, data, transform, [OUTPUT], metrics=["accuracy"], **options)
    return pd.DataFrame(
        {"param": result.param_labels(), "accuracy": result.accuracy.tolist()},
        columns=["param", "accuracy"],
    )


def equivariance_error(
    model: nn.Module, data, transform: Transform, layers: Layers = "all", **options
) -> pd.DataFrame:
    """Relative equivariance error of each layer, per grid point (see ``rho`` there);
    ``options`` as :func:`profile`'s (``model_name`` among them).

    ``e(θ) = E_x‖φ(g_θ x) − ρ(g_θ) φ(x)‖ / E_x‖φ(x)‖`` (:mod:`invlab.measure.metrics.equivariance`).

    Returns:
        Tidy DataFrame ``model, layer, metric='equivariance', param, value`` with one row per
        grid point and ``param='mean'``.

    Examples:
        >>> from invlab.transforms import Shift
        >>> conv = nn.Conv1d(1, 2, 3, padding=1, padding_mode="circular")
        >>> df = equivariance_error(conv, torch.randn(10, 1, 16), Shift(4), layers=["output"])
        >>> bool(df.value.max() < 1e-6)
        True
    """
    return profile(model, data, transform, layers, metrics=["equivariance"], **options)


def lie_derivative(
    model: nn.Module,
    data,
    transform: Transform,
    layers: Layers = "all",
    *,
    aggregation: str = "squared",
    model_name: str = "model",
    **options,
) -> pd.DataFrame:
    """Per-layer Lie derivative and attribution as a tidy DataFrame
    (:mod:`invlab.measure.metrics.lie`).

    ``transform`` names the continuous action: ``Shift`` (1D: ``translate``; 2D: ``translate_x``
    and ``translate_y``), ``Rotate`` (``rotate``, per radian) or ``Scale`` (``scale``, per
    ``log s``); its range and grid are not used. ``options``: ``batch_size, device`` as in
    :func:`invlab.measure.compute_profile`.

    Returns:
        Columns ``model, layer, metric, param, value``: ``metric`` is ``'lie'`` (the layer's own
        LEE), ``'lie_contribution'`` (its share of the output's) or ``'lie_relative'`` (the
        LEE over the layer's spread across inputs, comparable across model sizes), ``param``
        the generator or
        ``'mean'``, ``value`` in the chosen ``aggregation`` (``'squared'`` or ``'abs'``).

    Examples:
        >>> from invlab.transforms import Shift
        >>> net = nn.Sequential(nn.Conv1d(1, 2, 3, padding=1, padding_mode="circular"),
        ...                     nn.AdaptiveAvgPool1d(1), nn.Flatten())
        >>> df = lie_derivative(net, torch.randn(8, 1, 16), Shift(4), ["output"])
        >>> bool(df.query("metric == 'lie' and param == 'mean'").value.item() < 1e-10)
        True
    """
    result = compute_profile(
        model, data, transform, layers, metrics=["lie"], lie_aggregation=aggregation, **options
    )
    return result.to_frame(model_name)
