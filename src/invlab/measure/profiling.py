"""A model's invariance profile: the metrics asked for, every layer, in one streaming pass.

:func:`compute_profile` validates the arguments, settles which registered metrics apply (from
one forward of the first two inputs), lets each build its accumulators (each metric's module
holds its formula and its registration, :mod:`invlab.measure.metrics.registry`) and lets
:func:`invlab.measure.streaming.stream` feed them.
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
    evaluating,
    model_device,
    read_layers,
    recording,
    resolve_layers,
)
from invlab.measure.metrics.equivariance import Rho
from invlab.measure.metrics.goodfellow import POLARITIES, layer_score
from invlab.measure.metrics.lie import AGGREGATIONS
from invlab.measure.metrics.protocol import Accumulator, Setup
from invlab.measure.metrics.registry import REGISTRY
from invlab.measure.streaming import DataSource, same_device, stream
from invlab.transforms import Transform

COLUMNS = ["model", "layer", "metric", "param", "value"]


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
        rows = []
        for spec in REGISTRY.values():  # each metric's rows, in the registry's order
            value = getattr(self, spec.field, None)
            if value is not None and spec.rows is not None:
                rows += spec.rows(value, self)
        df = pd.DataFrame(rows, columns=COLUMNS[1:])
        df.insert(0, "model", model_name)
        return df


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
    known = tuple(REGISTRY)  # read per call: a metric registered later is measured too
    default = [m for m, spec in REGISTRY.items() if not spec.opt_in]
    wanted = default if metrics is None else list(metrics)
    for m in wanted:
        check_choice(m, "metrics", known)
    if not wanted:
        raise ValueError(f"metrics is empty; choose from {', '.join(known)}")
    for m in wanted:
        if REGISTRY[m].check is not None:
            REGISTRY[m].check(transform)  # e.g. lie: a continuous counterpart exists, or say so

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
    options = {"firing_rate": firing_rate, "polarity": polarity, "rho": rho}
    wanted, first_x, acts = _applicable(model, source, names, wanted, explicit)
    setup = Setup(names, source.n, t_len, transform, options, explicit, first_x, acts)

    built: dict[str, dict[str, Accumulator]] = {m: REGISTRY[m].build(setup) for m in wanted}
    # hook only the layers that a per-layer metric reads (the output is read anyway)
    read = [n for n in names if any(n in built[m] for m in wanted if REGISTRY[m].per_layer)]
    every = [acc for per_key in built.values() for acc in per_key.values()]
    stream(model, source, transform, grid, read, every)

    modules = dict(model.named_modules())
    kinds = {n: type(modules[n]).__name__ for n in names if n in modules}
    result = Profile(layers=names, grid=grid, n=source.n, top_fraction=top_fraction, kinds=kinds)
    result.lie_aggregation = lie_aggregation
    for metric, accumulators in built.items():
        spec = REGISTRY[metric]
        for key, acc in accumulators.items():
            if spec.per_layer:
                getattr(result, spec.field)[key] = acc.result()
            else:
                setattr(result, spec.field, acc.result())
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


def _applicable(model, source, names, wanted, explicit):
    """The metrics that the data and the model allow, the first two inputs and every layer's
    output on them (what the metrics' builders read, e.g. equivariance's action ``ρ``).

    Decided from one forward of the first two inputs: labels, the output's shape. A metric
    asked for by name that does not apply is an error.
    """
    first = source.first()
    hooked = [n for n in names if n != INPUT]
    with evaluating(model), recording(model, hooked, flatten=False) as store:
        out = first_output(check_forward(model, first.x.clone()))  # clone: see stream
        acts = read_layers(store, names, first.x, out)
    unlabelled = [m for m in wanted if REGISTRY[m].needs_labels] if first.y is None else []
    if unlabelled and explicit:
        raise ValueError(f"metric {unlabelled[0]!r} needs labels: pass data=(x, y)")
    wanted = [m for m in wanted if m not in unlabelled]
    need = [m for m in wanted if REGISTRY[m].needs_logits]
    if need and out.dim() != 2:
        shape = tuple(out.shape)
        if explicit:
            raise ValueError(
                f"metrics {need} need a model output of shape (B, classes), got {shape}"
            )
        wanted = [m for m in wanted if m not in need]
    if any(REGISTRY[m].needs_labels for m in wanted) and source.y is not None:
        check_labels(source.y, out.shape[1], "y")  # a loader's batches: checked as they come
    return wanted, first.x, acts
