"""A model's invariance profile: every metric, every layer, in one streaming pass over the data.

For each batch of ``b`` inputs the whole trajectory ``{g_θ x : θ ∈ transform.grid(steps)}``
(``T`` points) goes through the model in **one** forward of ``b·T`` inputs; forward hooks hand
each layer's output to running statistics and drop it. Nothing grows with ``N × T``:

* Goodfellow et al. (2009) needs each unit's threshold before its local firing rate, so it
  costs a first pass over the untransformed inputs (``N`` forwards, ``1/T`` of the main
  pass) that keeps a running top-``(k+1)`` per unit,
  ``k = firing_rate · N``: ``O(0.01 · N · U)`` memory, exact thresholds (once ``k+1`` values
  are kept, only values beyond a unit's current ``(k+1)``-th are buffered). The second
  pass is the trajectory pass shared by all metrics.
* sensitivity, consistency, accuracy and equivariance error are sums over the trajectory pass.

The parameters ``θ`` are the grid points, with ``g`` drawn uniformly from the grid wherever a
metric's definition has a random transformation: expectations over ``g`` are computed exactly
over the ``T`` grid points rather than estimated from random draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.measure.activations import (
    INPUT,
    evaluating,
    model_device,
    recording,
    resolve_layers,
)
from invlab.measure.equivariance import Rho, ShiftAction, resolve_actions
from invlab.measure.goodfellow import layer_score
from invlab.measure.streaming import (
    DataSource,
    RunningTopK,
    pairs_in,
    same_device,
)
from invlab.transforms import Transform

OUTPUT = "output"  # pseudo-layer: the model's output (needs no hook, works for TorchScript)
PROFILE_METRICS = ("goodfellow", "sensitivity", "consistency", "accuracy", "equivariance")
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
        df = pd.DataFrame(rows, columns=COLUMNS[1:])
        df.insert(0, "model", model_name)
        return df


def profile(
    model: nn.Module,
    data,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    metrics: Sequence[str] | None = None,
    y: torch.Tensor | None = None,
    steps: int = 9,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    firing_rate: float = 0.01,
    top_fraction: float = 0.2,
    polarity: str = "auto",
    rho: str | Rho | dict[str, str | Rho] | None = None,
    model_name: str = "model",
) -> pd.DataFrame:
    """How invariant is ``model`` to ``transform``, layer by layer: a tidy DataFrame.

    Metrics (``g`` uniform over ``transform.grid(steps)``, ``x′`` another input):

    * ``goodfellow`` (Goodfellow et al. 2009): threshold ``t_i`` so that the global firing
      rate ``G(i) = P_x[h_i(x) > t_i]`` is ``firing_rate``; local firing rate
      ``L(i) = E_{z: h_i(z) > t_i} mean_θ 1[h_i(g_θ z) > t_i]``; ``S(i) = L(i)/G(i)``;
      layer score = mean of the top ``top_fraction`` of ``S``. Exactly invariant: ``1/G``.
    * ``sensitivity``: ``E‖φ(g x) − φ(x)‖² / E‖φ(x′) − φ(x)‖²`` (0 = invariant), per θ; the
      denominator averages all pairs ``x ≠ x′``: ``2N/(N−1) Σ_u Var φ_u`` (streamed sums).
    * ``consistency`` (Zhang 2019): ``P[argmax f(g₁x) = argmax f(g₂x)]``, ``g₁, g₂``
      independent, computed exactly over all ``T²`` pairs.
    * ``accuracy``: ``P[argmax f(g_θ x) = y]`` per θ (needs labels).
    * ``equivariance``: ``E‖φ(g x) − ρ(g)φ(x)‖ / E‖φ(x)‖`` per θ, for layers with a known
      output action ``ρ`` (see ``rho``).

    Args:
        model: any ``nn.Module`` (a TorchScript module: only ``'input'`` and ``'output'``).
        data: inputs ``(N, C, ...)``, an ``(x, y)`` pair, an :class:`invlab.data.Dataset`
            (its test split) or a DataLoader without shuffling.
        transform: the transformation, e.g. ``Shift(8)``; its ``spatial_dims`` must match
            the data (``(N, C, L)`` signals: 1, ``(N, C, H, W)`` images: 2).
        layers: ``'all'`` (``'input'`` + the model's layers) or names; ``'input'`` is the raw
            input, ``'output'`` the model's output.
        metrics: any of ``goodfellow, sensitivity, consistency, accuracy, equivariance``;
            ``None``: every one that applies (accuracy with labels, consistency and accuracy
            with a ``(B, classes)`` output, equivariance where ``ρ`` is known).
        y: labels ``(N,)`` when ``data`` is a tensor.
        steps: points per parameter axis of the grid (a 2D shift grid has ``≤ steps²``).
        batch_size: inputs per batch; one forward holds ``batch_size × T`` inputs.
        device: ``None``: the data must be on the model's device; a device: the model must
            be on it and the data is moved there batch by batch.
        firing_rate: Goodfellow's global firing rate ``G`` (0.01 in the paper).
        top_fraction: share of the best units in a layer's Goodfellow score (0.2).
        polarity: ``'positive'`` (a unit fires when ``h > t``), ``'both'`` (``h`` and ``−h``
            as separate units) or ``'auto'`` (each unit fires in the direction of its larger
            tail: the threshold farther from the unit's mean, since a unit may fire negatively).
        rho: the action on each layer's output for ``equivariance``: ``None`` (automatic:
            the transform itself acting on feature maps of the input's rank, a :class:`Shift`
            divided by the layer's stride), ``'same'``, a callable ``rho(features, params)``
            or a dict ``{layer: 'same' | callable}``; ``lambda f, p: f`` measures invariance.
        model_name: value of the ``model`` column.

    Returns:
        DataFrame with columns ``model, layer, metric, param, value`` (see
        :meth:`Profile.to_frame`).

    Shape:
        ``data``: ``(N, C, L)`` or ``(N, C, H, W)``; memory ``O(batch_size · T · U + k · U)``.

    Examples:
        >>> from invlab.transforms import Shift
        >>> from invlab.invariants import FourierModulus
        >>> df = profile(nn.Sequential(FourierModulus()), torch.randn(300, 1, 32), Shift(8),
        ...              layers=["0"], metrics=["sensitivity"])
        >>> bool(df.query("param == 'mean'").value.item() < 1e-10)
        True
    """
    result = compute_profile(
        model,
        data,
        transform,
        layers,
        metrics=metrics,
        y=y,
        steps=steps,
        batch_size=batch_size,
        device=device,
        firing_rate=firing_rate,
        top_fraction=top_fraction,
        polarity=polarity,
        rho=rho,
    )
    return result.to_frame(model_name)


@torch.no_grad()
def compute_profile(
    model: nn.Module,
    data,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    metrics: Sequence[str] | None = None,
    y: torch.Tensor | None = None,
    steps: int = 9,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    firing_rate: float = 0.01,
    top_fraction: float = 0.2,
    polarity: str = "auto",
    rho: str | Rho | dict[str, str | Rho] | None = None,
) -> Profile:
    """:func:`profile` without the table: a :class:`Profile` of tensors and arrays."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(transform, Transform):
        raise TypeError(f"transform must be an invlab Transform, got {type(transform).__name__}")
    check_int(steps, "steps", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    check_choice(polarity, "polarity", ("positive", "both", "auto"))
    if not 0 < firing_rate < 1:
        raise ValueError(f"firing_rate must be in (0, 1), got {firing_rate}")
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    explicit = metrics is not None
    wanted = list(PROFILE_METRICS if metrics is None else metrics)
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list of names, got the str {metrics!r}")
    for m in wanted:
        check_choice(m, "metrics", PROFILE_METRICS)
    if not wanted:
        raise ValueError(f"metrics is empty; choose from {', '.join(PROFILE_METRICS)}")

    model_dev = model_device(model)
    if device is not None:
        device = torch.device(device)
        if not same_device(device, model_dev):
            raise ValueError(
                f"device={str(device)!r} but the model is on {model_dev}; call "
                f"model.to({str(device)!r}) first"
            )
    source = DataSource(
        data, y, batch_size, model_dev, transform.spatial_dims + 2, move=device is not None
    )
    if source.n < 2:
        raise ValueError(f"data has {source.n} input; give at least 2 (x′ is another input)")
    if "accuracy" in wanted and not source.has_labels:
        if explicit:
            raise ValueError("metric 'accuracy' needs labels: pass y or data=(x, y)")
        wanted.remove("accuracy")
    names = _resolve(model, layers)
    hooked = [n for n in names if n not in (INPUT, OUTPUT)]

    grid = transform.grid(steps).float()
    t_len = grid.shape[0]
    identity = _identity_index(grid, transform)
    result = Profile(layers=names, grid=grid, n=source.n, top_fraction=top_fraction)

    k = max(1, round(firing_rate * source.n))
    if "goodfellow" in wanted and firing_rate * source.n < 1:
        raise ValueError(
            f"data has {source.n} inputs: too few for a firing rate of {firing_rate} (not one "
            f"input would fire); give at least {math.ceil(1 / firing_rate)}"
        )

    with evaluating(model), recording(model, hooked, flatten=False) as store:
        # Pass 1 (goodfellow only): per-unit thresholds from the untransformed inputs.
        sums: dict[str, torch.Tensor] = {}
        if "goodfellow" in wanted:
            signs = (1.0,) if polarity == "positive" else (1.0, -1.0)
            tails = {name: [RunningTopK(k + 1, sign) for sign in signs] for name in names}
            for batch in source.batches():
                out = model(batch.x)
                acts = _collect(store, names, batch.x, out)
                for name in names:
                    h = acts[name].flatten(1)
                    for tail in tails[name]:
                        tail.update(h, batch.start)
                    s = h.sum(0).double()
                    sums[name] = s if name not in sums else sums[name] + s
                store.clear()
                del acts, out
            thresholds = {name: [tail.kth() for tail in tails[name]] for name in names}
            firing = {
                name: [tail.firing(t) for tail, t in zip(tails[name], thresholds[name])]
                for name in names
            }
            # exact G (ties included): the number of firing inputs per unit over N
            global_rate = {
                name: [
                    torch.bincount(u, minlength=tail.values.shape[1]).double().cpu() / source.n
                    for tail, (_, u) in zip(tails[name], firing[name])
                ]
                for name in names
            }
            del tails  # the (k+1) × U buffers: only the firing pairs are needed from here

        # Pass 2: the trajectory of every input, one forward per batch.
        stats: dict[str, _LayerStats] = {}
        rhos: dict[str, Rho | None] | None = None
        correct = torch.zeros(t_len, dtype=torch.float64)
        agree = 0.0
        for batch in source.batches():
            xb, b = batch.x, batch.x.shape[0]
            traj = transform.apply(
                xb.repeat_interleave(t_len, 0), grid.to(xb.device).repeat(b, 1)
            )  # sample-major: row i·T + θ is g_θ x_i
            inputs = traj if identity is not None else torch.cat([xb, traj])
            out = model(inputs)
            acts = _collect(store, names, inputs, out)
            if rhos is None:  # first batch: settle what the data and the model allow
                if "accuracy" in wanted and batch.y is None:
                    if explicit:
                        raise ValueError("metric 'accuracy' needs labels: the data gave none")
                    wanted.remove("accuracy")
                rhos = resolve_actions(rho, names, acts, xb, transform, wanted, explicit)
                _check_output(out, wanted, explicit)
            for name in names:
                a = acts[name]
                base, moved = _split(a, b, t_len, identity)
                st = stats.get(name)
                if st is None:
                    st = stats[name] = _LayerStats(t_len)
                if "sensitivity" in wanted:
                    st.add_sensitivity(base, moved)
                if "equivariance" in wanted and rhos.get(name) is not None:
                    st.add_equivariance(base, moved, grid.to(xb.device), rhos[name])
                if "goodfellow" in wanted:
                    pairs = [pairs_in(r, u, batch.start, b) for r, u in firing[name]]
                    st.add_goodfellow(moved, thresholds[name], pairs)
            if "accuracy" in wanted or "consistency" in wanted:
                _, logits = _split(out, b, t_len, identity)
                pred = logits.argmax(-1)  # (b, T)
                if "accuracy" in wanted:
                    if batch.y is None:
                        raise ValueError("metric 'accuracy' needs labels: the data gave none")
                    correct += (pred.cpu() == batch.y.cpu().view(-1, 1)).sum(0).double()
                if "consistency" in wanted:
                    counts = torch.zeros(b, logits.shape[-1], device=pred.device)
                    counts.scatter_add_(1, pred, torch.ones_like(pred, dtype=counts.dtype))
                    agree += float(((counts / t_len) ** 2).sum())
            # Free this batch's activations before the next forward, so that its outputs
            # reuse their memory instead of faulting in fresh pages.
            store.clear()
            del acts, out, inputs, traj, a, base, moved

    n = source.n
    for name in names:
        st = stats[name]
        if "sensitivity" in wanted:
            between = st.between_inputs(n)
            moved = st.moved_sq / n
            result.sensitivity[name] = (
                (moved / between).numpy() if between > 0 else np.full(t_len, np.nan)
            )
        if st.eq_err is not None:
            mean_norm = st.base_norm / n
            result.equivariance[name] = (
                (st.eq_err / n / mean_norm).numpy() if mean_norm > 0 else np.full(t_len, np.nan)
            )
        if "goodfellow" in wanted:
            result.goodfellow_units[name] = _goodfellow_units(
                global_rate[name], thresholds[name], st, sums[name] / n, polarity
            )
    if "accuracy" in wanted:
        result.accuracy = (correct / n).numpy()
    if "consistency" in wanted:
        result.consistency = agree / n
    return result


class _LayerStats:
    """Running sums of one layer over the trajectory pass."""

    def __init__(self, t_len: int) -> None:
        self.moved_sq = torch.zeros(t_len, dtype=torch.float64)
        self.centre: torch.Tensor | None = None  # first batch's mean, against cancellation
        self.sum = 0.0
        self.sum_sq = 0.0
        self.eq_err: torch.Tensor | None = None
        self.base_norm = 0.0
        self.local_sum: list[torch.Tensor] = []
        self.local_count: list[torch.Tensor] = []

    def add_sensitivity(self, base, moved) -> None:
        b, t_len = moved.shape[:2]
        fb = base.reshape(b, -1)
        diff = moved.reshape(b, t_len, -1) - fb.unsqueeze(1)
        # Per-batch sums in the activations' dtype (sums of squares: no cancellation),
        # accumulated over batches in float64; one fused norm pass over the difference.
        dist = torch.linalg.vector_norm(diff, dim=2)
        self.moved_sq += dist.square_().sum(0).double().cpu()
        if self.centre is None:
            self.centre = fb.mean(0)
        centred = fb - self.centre
        self.sum = self.sum + centred.sum(0).double()
        self.sum_sq += float(centred.square_().sum())

    def between_inputs(self, n: int) -> float:
        """``E‖φ(x′) − φ(x)‖²`` over all ordered pairs ``x ≠ x′``: ``2N/(N−1) · Σ_u Var φ_u``."""
        mean = self.sum / n
        return max(0.0, 2 * n / (n - 1) * (self.sum_sq / n - float(mean.pow(2).sum())))

    def add_equivariance(self, base, moved, grid, rho) -> None:
        b, t_len = moved.shape[:2]
        if self.eq_err is None:
            self.eq_err = torch.zeros(t_len, dtype=torch.float64)
        if isinstance(rho, ShiftAction):  # every grid point with one gather
            self.eq_err += rho.trajectory_error(base, moved, grid).double().cpu()
        else:
            for j in range(t_len):  # ρ(g_θ) one θ at a time: no b·T copy of base
                predicted = rho(base, grid[j].expand(b, -1))
                if predicted.shape != base.shape:
                    raise ValueError(
                        f"rho must return features of the layer's shape {tuple(base.shape)}, "
                        f"got {tuple(predicted.shape)}"
                    )
                # out of place: a user's rho may return its input (ρ = identity) or a view
                diff = predicted.reshape(b, -1) - moved[:, j].reshape(b, -1)
                self.eq_err[j] += float(torch.linalg.vector_norm(diff, dim=1).sum())
        self.base_norm += float(torch.linalg.vector_norm(base.reshape(b, -1), dim=1).sum())

    def add_goodfellow(self, moved, thresholds, pairs) -> None:
        """Local firing of the firing inputs only: ``(input, unit)`` pairs, not ``b × U``."""
        b, t_len = moved.shape[:2]
        h = moved.reshape(b, t_len, -1)
        for side, (t, (rows, units)) in enumerate(zip(thresholds, pairs)):
            if len(self.local_sum) <= side:
                self.local_sum.append(torch.zeros(h.shape[2], dtype=torch.float64))
                self.local_count.append(torch.zeros(h.shape[2], dtype=torch.float64))
            if rows.numel() == 0:
                continue
            path = h[rows, :, units]  # (m, T): each firing input's trajectory, its unit
            # side 0: h > t; side 1 (negative polarity): −h > t  ⇔  h < −t
            t_unit = t[units].unsqueeze(1)
            on = (path > t_unit) if side == 0 else (path < -t_unit)
            rate = on.sum(1).double().cpu() / t_len
            self.local_sum[side].index_add_(0, units.cpu(), rate)
            self.local_count[side].index_add_(0, units.cpu(), torch.ones_like(rate))


def _goodfellow_units(global_rate, thresholds, st, mean, polarity) -> torch.Tensor:
    scores = []
    for g, local_sum, local_count in zip(global_rate, st.local_sum, st.local_count):
        s = (local_sum / local_count) / g
        s[(g == 0) | (local_count == 0)] = float("nan")
        scores.append(s.cpu())
    if polarity == "positive":
        return scores[0].float()
    if polarity == "both":
        return torch.cat(scores).float()
    # auto: the side whose threshold lies farther from the mean; a side that never fires
    # (e.g. the negative side of a ReLU) is never chosen.
    mean = mean.cpu()
    reach_pos = thresholds[0].double().cpu() - mean
    reach_neg = thresholds[1].double().cpu() + mean
    pick_neg = (reach_neg > reach_pos) & ~torch.isnan(scores[1])
    pick_neg |= torch.isnan(scores[0]) & ~torch.isnan(scores[1])
    return torch.where(pick_neg, scores[1], scores[0]).float()


def _collect(store, names, inputs, out) -> dict[str, torch.Tensor]:
    acts = {}
    for name in names:
        if name == INPUT:
            acts[name] = inputs
        elif name == OUTPUT and name not in store:
            acts[name] = out.detach()
        else:
            if name not in store:
                raise ValueError(
                    f"layer {name!r} did not run in the model's forward; choose layers that "
                    f"the forward uses"
                )
            acts[name] = store[name]
    return acts


def _split(a: torch.Tensor, b: int, t_len: int, identity: int | None):
    """``(base (b, ...), moved (b, T, ...))`` from a forward's rows."""
    if identity is None:
        base, rest = a[:b], a[b:]
    else:
        base, rest = None, a
    moved = rest.reshape(b, t_len, *a.shape[1:])
    if base is None:
        base = moved[:, identity]
    return base, moved


def _identity_index(grid: torch.Tensor, transform: Transform) -> int | None:
    ident = transform.identity_params().float()
    hits = (grid - ident).abs().amax(1) < 1e-9
    return int(hits.nonzero()[0]) if bool(hits.any()) else None


def _resolve(model: nn.Module, layers) -> list[str]:
    """Layer names, with the ``'output'`` pseudo-layer and TorchScript's limits."""
    if isinstance(model, torch.jit.ScriptModule):
        chosen = [INPUT, OUTPUT] if layers == "all" else _as_list(layers)
        if any(n not in (INPUT, OUTPUT) for n in chosen):
            raise ValueError(
                "a TorchScript model supports no forward hooks: layers can only be 'input' "
                "and 'output'; load the model from its Python source to measure inner layers"
            )
        return chosen
    if isinstance(layers, str) and layers == "all":
        return resolve_layers(model, "all")
    chosen = _as_list(layers)
    modules = dict(model.named_modules())
    inner = [n for n in chosen if not (n == OUTPUT and n not in modules)]
    if inner:
        resolve_layers(model, inner)  # raises, listing the available names
    return chosen


def _as_list(layers) -> list[str]:
    chosen = [layers] if isinstance(layers, str) else list(layers)
    if not chosen:
        raise ValueError("layers is empty; pass 'all' or at least one layer name")
    return chosen


def _check_output(out: torch.Tensor, wanted: list[str], explicit: bool) -> None:
    need = [m for m in ("consistency", "accuracy") if m in wanted]
    if need and (not isinstance(out, torch.Tensor) or out.dim() != 2):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        if explicit:
            raise ValueError(
                f"metrics {need} need a model output of shape (B, classes), got {shape}"
            )
        for m in need:
            wanted.remove(m)


def param_label(theta: torch.Tensor) -> float | str:
    """A grid point as a table label: the number, or a tuple string for several components."""
    values = [round(float(v), 6) for v in theta]
    return values[0] if len(values) == 1 else str(tuple(values))
