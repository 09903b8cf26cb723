"""A model's invariance profile: the metrics asked for, every layer, in one streaming pass.

:func:`compute_profile` validates the arguments, settles which metrics apply (from one forward
of the first two inputs), builds one accumulator per metric and layer (each metric's module
holds its formula) and lets :func:`invlab.measure.streaming.stream` feed them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from invlab._validation import (
    check_choice,
    check_device,
    check_forward,
    check_int,
    check_labels,
    first_output,
    model_dtype,
)
from invlab.measure.activations import (
    INPUT,
    OUTPUT,
    evaluating,
    model_device,
    read_layers,
    recording,
    resolve_layers,
)
from invlab.measure.metrics.accuracy import AccuracyAccumulator
from invlab.measure.metrics.consistency import ConsistencyAccumulator
from invlab.measure.metrics.equivariance import EquivarianceAccumulator, Rho, resolve_actions
from invlab.measure.metrics.goodfellow import POLARITIES, GoodfellowAccumulator, layer_score
from invlab.measure.metrics.lie import AGGREGATIONS, LieAccumulator
from invlab.measure.metrics.lie_actions import generators_for
from invlab.measure.metrics.sensitivity import SensitivityAccumulator
from invlab.measure.streaming import DataSource, same_device, stream
from invlab.transforms import Transform

METRICS = ("goodfellow", "sensitivity", "consistency", "accuracy", "equivariance", "lie")
# one JVP per layer and generator: measured when asked for by name, not by default
OPT_IN = ("lie",)
COLUMNS = ["model", "layer", "metric", "param", "value"]
LAYER_METRICS = ("goodfellow", "sensitivity", "equivariance")


@dataclass
class Profile:
    """Raw results of :func:`compute_profile`; :meth:`to_frame` gives the tidy table.

    Attributes:
        layers: the measured layers.
        grid: the transformation parameters ``(T, P)``.
        n: number of inputs.
        goodfellow_units: per-unit scores ``S(i)`` per layer (NaN: the unit never fires).
        sensitivity: per layer, ``(T,)`` normalised sensitivity at each grid point.
        equivariance: per layer with a known action, ``(T,)`` relative equivariance error.
        accuracy: ``(T,)`` accuracy at each grid point, or ``None``.
        consistency: Zhang's consistency, or ``None``.
        top_fraction: share of units averaged into a layer's Goodfellow score.
        kinds: ``{layer: module class name}`` of the measured submodules (figures name
            numbered layers ``'0 · Conv2d'``).
    """

    layers: list[str]
    grid: torch.Tensor
    n: int
    goodfellow_units: dict[str, torch.Tensor] = field(default_factory=dict)
    sensitivity: dict[str, np.ndarray] = field(default_factory=dict)
    equivariance: dict[str, np.ndarray] = field(default_factory=dict)
    accuracy: np.ndarray | None = None
    consistency: float | None = None
    top_fraction: float = 0.2
    kinds: dict[str, str] = field(default_factory=dict)
    lie: dict = field(default_factory=dict)
    lie_aggregation: str = "squared"

    def goodfellow(self) -> dict[str, float]:
        """Layer scores: mean of the top ``top_fraction`` unit scores."""
        return {k: layer_score(v, self.top_fraction) for k, v in self.goodfellow_units.items()}

    def param_labels(self) -> list[float | str]:
        """One label per grid point: the number, or a tuple string for several components."""
        return [param_label(theta) for theta in self.grid]

    def to_frame(self, model_name: str = "model") -> pd.DataFrame:
        """Tidy table ``model, layer, metric, param, value``.

        Per-parameter metrics (sensitivity, equivariance, accuracy) have one row per grid
        point and a row ``param='mean'``; scalar ones (goodfellow, consistency) have
        ``param=None``. ``consistency`` and ``accuracy`` are at ``layer='output'``.
        """
        labels = self.param_labels()
        rows = []

        def curve(layer: str, metric: str, values: np.ndarray) -> None:
            for p, v in zip(labels, values):
                rows.append((layer, metric, p, float(v)))
            rows.append((layer, metric, "mean", float(np.mean(values))))

        for name, value in self.goodfellow().items():
            rows.append((name, "goodfellow", None, value))
        for name, values in self.sensitivity.items():
            curve(name, "sensitivity", values)
        for name, values in self.equivariance.items():
            curve(name, "equivariance", values)
        if self.consistency is not None:
            rows.append((OUTPUT, "consistency", None, self.consistency))
        if self.accuracy is not None:
            curve(OUTPUT, "accuracy", self.accuracy)
        rows += lie_rows(self.lie, self.lie_aggregation)
        df = pd.DataFrame(rows, columns=COLUMNS[1:])
        df.insert(0, "model", model_name)
        return df


def lie_rows(lie: dict, aggregation: str) -> list[tuple]:
    """Rows ``(layer, metric, generator | 'mean', value)`` of the Lie derivative's results."""
    rows = []
    for metric, per_layer in lie.items():
        for name, per_gen in per_layer.items():
            values = [v[aggregation] for v in per_gen.values()]
            rows += [(name, metric, g, v[aggregation]) for g, v in per_gen.items()]
            rows.append((name, metric, "mean", float(np.mean(values))))
    return rows


def param_label(theta: torch.Tensor) -> float | str:
    """A grid point as a table label: the number, or a tuple string for several components."""
    values = [round(float(v), 6) for v in theta]
    return values[0] if len(values) == 1 else str(tuple(values))


@torch.no_grad()
def compute_profile(
    model: nn.Module,
    data,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    metrics: Sequence[str] | None = None,
    steps: int = 9,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    firing_rate: float = 0.01,
    top_fraction: float = 0.2,
    polarity: str = "positive",
    rho: str | Rho | dict[str, str | Rho] | None = None,
    lie_aggregation: str = "squared",
) -> Profile:
    """How invariant is ``model`` to ``transform``, layer by layer: a :class:`Profile`.

    Every metric is exact over the grid ``transform.grid(steps)`` (``T`` points): wherever a
    definition draws a random ``g``, the expectation is the average over all grid points, and
    over all inputs ``x`` (and pairs ``x ≠ x′``). The formulas, in their modules:

    * ``goodfellow`` (:mod:`invlab.measure.metrics.goodfellow`, Goodfellow et al. 2009): per-unit
      ``S(i) = L(i)/G(i)``, layer score = mean of the top ``top_fraction`` units.
    * ``sensitivity`` (:mod:`invlab.measure.metrics.sensitivity`):
      ``E‖φ(g_θ x) − φ(x)‖² / E‖φ(x′) − φ(x)‖²`` per θ (0 = invariant).
    * ``equivariance`` (:mod:`invlab.measure.metrics.equivariance`):
      ``E‖φ(g_θ x) − ρ(g_θ)φ(x)‖ / E‖φ(x)‖`` per θ, for layers with a known action ``ρ``.
    * ``consistency`` (:mod:`invlab.measure.metrics.consistency`, Zhang 2019):
      ``P[argmax f(g₁x) = argmax f(g₂x)]`` over all ``T²`` grid pairs.
    * ``accuracy`` (:mod:`invlab.measure.metrics.accuracy`): ``P[argmax f(g_θ x) = y]`` per θ.
    * ``lie`` (:mod:`invlab.measure.metrics.lie`, Gruver et al. 2023), only when named:
      ``E_x‖d/dt ρ_{−t} φ(T_t x)‖²`` at ``t = 0`` per layer (``metric='lie'``) and each
      layer's contribution to the output's (``'lie_contribution'``) and the LEE over the
      layer's spread ``E_x‖φ(x) − φ̄‖²`` (``'lie_relative'``), one row per generator of
      the transform's continuous counterpart (``param``) and their mean.

    Args:
        model: any ``nn.Module`` (a TorchScript module: only ``'input'`` and ``'output'``).
        data: inputs ``(N, C, ...)``, an ``(x, y)`` **tuple** of tensors, or a re-iterable of
            ``x`` or ``(x, y)`` batches with a known length (a DataLoader without shuffling,
            a **list** of batches, all of one input shape). A tuple is always ``(x, y)`` and
            a list always batches. Labels go here, never in ``layers``.
        transform: the transformation, e.g. ``Shift(8)``; its ``spatial_dims`` must match
            the data (``(N, C, L)`` signals: 1, ``(N, C, H, W)`` images: 2).
        layers: ``'all'`` (``'input'`` + the model's layers, see
            :func:`invlab.measure.layer_names`) or names; ``'input'`` is the raw input,
            ``'output'`` the model's output.
        metrics: any of ``goodfellow, sensitivity, consistency, accuracy, equivariance,
            lie``; ``None``: every one that applies (accuracy with labels, consistency and
            accuracy with a ``(B, classes)`` output, equivariance where ``ρ`` is known), except
            ``lie`` (one JVP per layer: only when named).
        steps: points per parameter axis of the grid (a 2D shift grid has ``≤ steps²``).
        batch_size: about this many transformed inputs per forward: each batch holds
            ``max(1, batch_size // T)`` inputs and their ``T`` copies (a loader's own batches
            are used as they come).
        device: ``None``: the data must be on the model's device; a device: the model must
            be on it and the data is moved there batch by batch.
        firing_rate: Goodfellow's global firing rate ``G`` (0.01 in the paper).
        top_fraction: share of the best units in a layer's Goodfellow score (0.2).
        polarity: ``'positive'`` (the paper's: a unit fires when ``h > t``), ``'both'``
            (``h`` and ``−h`` as separate units) or ``'auto'`` (each unit fires in the
            direction of its larger tail: the threshold farther from the unit's mean).
        lie_aggregation: ``'squared'`` (``E‖v‖²``, the paper's) or ``'abs'`` (``E mean|v_j|``)
            for the ``lie`` rows of :meth:`Profile.to_frame`; both are kept in ``Profile.lie``.
        rho: the action on each layer's output for ``equivariance``: ``None`` (automatic:
            the transform itself acting on feature maps of the input's rank, a :class:`Shift`
            divided by the layer's stride), ``'same'``, a callable ``rho(features, params)``
            or a dict ``{layer: 'same' | callable}``; ``lambda f, p: f`` measures invariance.

    Shape:
        ``data``: ``(N, C, L)`` or ``(N, C, H, W)``; memory ``O(batch_size · U + k · U)``
        (``k = firing_rate · N``).

    Examples:
        >>> from invlab.transforms import Shift
        >>> from invlab.invariants import FourierModulus
        >>> result = compute_profile(nn.Sequential(FourierModulus()), torch.randn(300, 1, 32),
        ...                          Shift(8), layers=["0"], metrics=["sensitivity"])
        >>> bool(result.sensitivity["0"].max() < 1e-10)
        True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(transform, Transform):
        raise TypeError(f"transform must be an invlab Transform, got {type(transform).__name__}")
    if isinstance(layers, torch.Tensor | np.ndarray):
        raise TypeError(
            f"layers (the 4th argument) must be 'all' or layer names, got a "
            f"{type(layers).__name__} of shape {tuple(layers.shape)}; labels go in the data: "
            f"data=(x, y)"
        )
    check_int(steps, "steps", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    check_choice(polarity, "polarity", POLARITIES)
    check_choice(lie_aggregation, "lie_aggregation", AGGREGATIONS)
    if not 0 < firing_rate < 1:
        raise ValueError(f"firing_rate must be in (0, 1), got {firing_rate}")
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list of names, got the str {metrics!r}")
    explicit = metrics is not None
    wanted = [m for m in METRICS if m not in OPT_IN] if metrics is None else list(metrics)
    for m in wanted:
        check_choice(m, "metrics", METRICS)
    if not wanted:
        raise ValueError(f"metrics is empty; choose from {', '.join(METRICS)}")
    if "lie" in wanted:
        generators_for(transform)  # a continuous counterpart exists, or a clear error now

    model_dev = model_device(model)
    if device is not None:
        device = check_device(device)
        if not same_device(device, model_dev):
            raise ValueError(
                f"device={str(device)!r} but the model is on {model_dev}; call "
                f"model.to({str(device)!r}) first"
            )
    grid = check_grid(transform, steps)
    t_len = grid.shape[0]
    per_batch = max(1, batch_size // t_len)
    min_dim = transform.spatial_dims + 2
    source = DataSource(
        data, per_batch, model_dev, min_dim, move=device is not None, dtype=model_dtype(model)
    )
    if source.n < 2:
        raise ValueError(f"data has {source.n} input; give at least 2 (x′ is another input)")
    names = resolve_layers(model, layers)
    _warn_if_constant(source)
    wanted, rhos = _applicable(model, source, transform, names, wanted, explicit, rho)

    accumulators: dict[tuple[str, str], object] = {}
    for name in names:
        if "goodfellow" in wanted:
            accumulators["goodfellow", name] = GoodfellowAccumulator(
                name, source.n, firing_rate, polarity
            )
        if "sensitivity" in wanted:
            accumulators["sensitivity", name] = SensitivityAccumulator(name, t_len)
        if "equivariance" in wanted and rhos.get(name) is not None:
            accumulators["equivariance", name] = EquivarianceAccumulator(name, rhos[name], t_len)
    if "consistency" in wanted:
        accumulators["consistency", OUTPUT] = ConsistencyAccumulator()
    if "accuracy" in wanted:
        accumulators["accuracy", OUTPUT] = AccuracyAccumulator(t_len)
    read = [n for n in names if any((m, n) in accumulators for m in LAYER_METRICS)]
    if accumulators:
        stream(model, source, transform, grid, read, list(accumulators.values()))
    lie = _lie(model, source, transform, names) if "lie" in wanted else {}

    modules = dict(model.named_modules())
    kinds = {n: type(modules[n]).__name__ for n in names if n in modules}
    result = Profile(layers=names, grid=grid, n=source.n, top_fraction=top_fraction, kinds=kinds)
    result.lie, result.lie_aggregation = lie, lie_aggregation
    for (metric, name), acc in accumulators.items():
        if metric == "goodfellow":
            result.goodfellow_units[name] = acc.result()
        elif metric in ("sensitivity", "equivariance"):
            getattr(result, metric)[name] = acc.result()
        else:
            setattr(result, metric, acc.result())
    return result


def _warn_if_constant(source: DataSource) -> None:
    """Warn when every input is the same: sensitivity and Goodfellow are then undefined (NaN)."""
    # Checked on in-memory data only: a loader would need a pass of its own.
    if source.x is None or not bool((source.x == source.x[:1]).all()):
        return
    warnings.warn(
        f"data: all {source.n} inputs are identical; sensitivity and Goodfellow compare "
        f"different inputs and are undefined (NaN, shown as n/a). Measure on varied data",
        stacklevel=4,  # the caller of compute_profile (no_grad's wrapper sits in between)
    )


def check_grid(transform: Transform, steps: int) -> torch.Tensor:
    """``transform.grid(steps)`` as float, refused when its only point is the identity.

    Such a grid (``steps=1`` on a range around 0, a range such as ``shift:0:0``) compares
    every input with itself: every model would score "perfectly invariant" (sensitivity 0,
    consistency 1, Goodfellow ``1/G``), which says nothing about the model. A single other
    point (``Shift(shift_range=(1, 1))``, ``steps=1``) is a measurement at that one
    transformation and allowed.
    """
    grid = transform.grid(steps).float()
    ident = transform.identity_params().float()
    if bool(((grid - ident).abs() < 1e-9).all()):
        raise ValueError(
            f"the transformation grid of {transform!r} with steps={steps} holds only the "
            f"identity ({param_label(ident)}): every model would look perfectly invariant; use "
            f"steps >= 2 and a parameter range with low < high"
        )
    return grid


def _applicable(model, source, transform, names, wanted, explicit, rho):
    """The metrics that the data and the model allow, and each layer's action ``ρ``.

    Decided from one forward of the first two inputs: labels, the output's shape, the layers'
    shapes. A metric asked for by name that does not apply is an error.
    """
    first = source.first()
    hooked = [n for n in names if n != INPUT]
    with evaluating(model), recording(model, hooked, flatten=False) as store:
        out = first_output(check_forward(model, first.x.clone()))  # clone: see stream
        acts = read_layers(store, names, first.x, out)
    wanted = list(wanted)
    if "accuracy" in wanted and first.y is None:
        if explicit:
            raise ValueError("metric 'accuracy' needs labels: pass data=(x, y)")
        wanted.remove("accuracy")
    need = [m for m in ("consistency", "accuracy") if m in wanted]
    if need and out.dim() != 2:
        shape = tuple(out.shape)
        if explicit:
            raise ValueError(
                f"metrics {need} need a model output of shape (B, classes), got {shape}"
            )
        wanted = [m for m in wanted if m not in need]
    if "accuracy" in wanted and source.y is not None:
        check_labels(source.y, out.shape[1], "y")  # a loader's batches: checked as they come
    rhos = {}
    if "equivariance" in wanted:
        rhos = resolve_actions(rho, names, acts, first.x, transform, explicit)
    return wanted, rhos


def _lie(model, source, transform, names) -> dict:
    """The Lie derivative's results (:class:`LieAccumulator`), streamed over the batches."""
    acc = LieAccumulator(generators_for(transform), [n for n in names if n != INPUT])
    with evaluating(model):
        for batch in source.batches():
            acc.update(model, batch.x)
    return acc.result()
