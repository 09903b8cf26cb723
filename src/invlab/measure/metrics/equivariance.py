"""Equivariance error ``E‖φ(g x) − ρ(g) φ(x)‖ / E‖φ(x)‖`` for layers with a known action ``ρ``.

A layer is equivariant when transforming its input transforms its output by a known action
``ρ(g)``: a circular convolution commutes with shifts (``ρ`` = the same shift of the feature
map), a stride-``s`` layer turns a shift by ``t`` into one by ``t / s``, an invariant layer has
``ρ(g) = identity``. The error is 0 for an exactly equivariant layer and about ``√2`` for a
representation unrelated to the action (``‖a − b‖ ≈ √2 ‖a‖`` for independent ``a, b``).

Exact over the grid: ``e(θ) = Σ_x ‖φ(g_θ x) − ρ(g_θ)φ(x)‖ / Σ_x ‖φ(x)‖`` for each ``θ`` of the
grid, over all ``N`` inputs; the layer's value is the mean of ``e(θ)`` over the grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from invlab.measure.metrics.protocol import Metric, Setup, curves_rows
from invlab.transforms import Compose, Shift

Rho = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def resolve_actions(rho, names, acts, xb, transform, explicit) -> dict[str, Rho | None]:
    """``{layer: ρ or None}`` from the user's ``rho`` (see :func:`invlab.measure.compute_profile`).

    ``acts``: each layer's output for the inputs ``xb`` (their shapes decide the automatic
    action); ``explicit``: the metric was asked for, so no layer with an action is an error.
    """
    if rho is None or isinstance(rho, str):
        if rho not in (None, "same"):
            raise ValueError(f"rho must be None, 'same', a callable or a dict, got {rho!r}")
        chosen = {n: feature_action(transform, xb, acts[n], strict=rho == "same") for n in names}
    elif callable(rho):
        chosen = dict.fromkeys(names, rho)
    elif isinstance(rho, dict):
        unknown = sorted(set(rho) - set(names))
        if unknown:
            raise ValueError(f"rho names layers {unknown} that are not measured: {names}")
        chosen = {}
        for n in names:
            r = rho.get(n)
            if r == "same":
                r = feature_action(transform, xb, acts[n], strict=True, layer=n)
            elif r is not None and not callable(r):
                raise TypeError(f"rho[{n!r}] must be 'same' or a callable, got {r!r}")
            chosen[n] = r
    else:
        raise TypeError(f"rho must be None, 'same', a callable or a dict, got {type(rho)}")
    if explicit and not any(r is not None for r in chosen.values()):
        raise ValueError(
            "metric 'equivariance' needs a known action on some layer: no measured layer has "
            "a feature map of the input's rank; pass rho=callable or rho={layer: callable}"
        )
    return chosen


def feature_action(transform, xb, feat, *, strict: bool, layer: str = "") -> Rho | None:
    """``ρ`` = the transformation acting on the feature map's spatial axes, or ``None``.

    A :class:`Shift` by ``s`` becomes a shift by ``s / stride`` (rounded) on a feature map
    ``stride`` times smaller; other transformations act on the feature map about its centre.
    """
    d = transform.spatial_dims
    fail = None
    if feat.dim() != xb.dim():
        fail = f"its output has shape {tuple(feat.shape[1:])}, not (C, {d} spatial axes)"
    elif isinstance(transform, Shift):
        strides = []
        for n_in, n_out in zip(xb.shape[-d:], feat.shape[-d:]):
            if n_in % n_out:
                fail = f"its size {n_out} does not divide the input's size {n_in}"
                break
            strides.append(n_in // n_out)
        if fail is None:
            return ShiftAction(strides, transform.mode)
    elif isinstance(transform, Compose):
        fail = "Compose has no automatic action; pass rho=callable"
    else:
        return transform._apply_to_maps
    if strict:
        raise ValueError(f"rho='same' is not defined for layer {layer!r}: {fail}")
    return None


class ShiftAction:
    """``ρ``: a shift by ``θ / stride`` (rounded) on the feature map's last ``len(strides)`` axes.

    Callable like any ``rho``; :meth:`trajectory_error` measures every grid point at once: one
    :class:`invlab.transforms.Shift` of the base features, grid-major (a view of ``base``
    repeated ``T`` times, each copy shifted by its own grid point), instead of one call per
    grid point.
    """

    def __init__(self, strides: Sequence[int], mode: str) -> None:
        self.stride = torch.tensor(list(strides), dtype=torch.float32)
        self.on_features = Shift(dims=len(strides), mode=mode)

    def __call__(self, f: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return self.on_features._apply_to_maps(f, p / self.stride.to(p.device))

    def trajectory_error(self, base: torch.Tensor, moved: torch.Tensor, grid: torch.Tensor):
        """``Σ_x ‖φ(g_θ x) − ρ(g_θ) φ(x)‖`` per grid point, shape ``(T,)``, in ``base.dtype``.

        ``base``: ``(b, C, *spatial)``; ``moved``: ``(b, T, C, *spatial)``; ``grid``: ``(T, d)``.
        """
        b, t_len = moved.shape[:2]
        # (T, b, C, ...): row θ holds every input's features, shifted by grid point θ
        repeated = base.unsqueeze(0).expand(t_len, *base.shape)
        predicted = self(repeated, grid)
        predicted.sub_(moved.transpose(0, 1))
        return torch.linalg.vector_norm(predicted.reshape(t_len, b, -1), dim=2).sum(1)


class EquivarianceAccumulator:
    """Running sums of one layer: ``Σ_x ‖φ(g_θ x) − ρ(g_θ)φ(x)‖`` per θ and ``Σ_x ‖φ(x)‖``."""

    first_pass = False
    feed = "trajectories"

    def __init__(self, layer: str, rho: Rho, t_len: int) -> None:
        self.layer, self.rho = layer, rho
        self.err = torch.zeros(t_len, dtype=torch.float64)
        self.base_norm = 0.0
        self.n = 0

    def update(self, view) -> None:
        """Feed one batch of :class:`invlab.measure.streaming.Trajectories`."""
        base, moved = view.layer(self.layer)
        b, t_len = moved.shape[:2]
        if isinstance(self.rho, ShiftAction):  # every grid point with one shift
            self.err += self.rho.trajectory_error(base, moved, view.grid).double().cpu()
        else:
            for j in range(t_len):  # ρ(g_θ) one θ at a time: no b·T copy of base
                predicted = self.rho(base, view.grid[j].expand(b, -1))
                if predicted.shape != base.shape:
                    raise ValueError(
                        f"rho must return features of the layer's shape {tuple(base.shape)}, "
                        f"got {tuple(predicted.shape)}"
                    )
                # out of place: a user's rho may return its input (ρ = identity) or a view
                diff = predicted.reshape(b, -1) - moved[:, j].reshape(b, -1)
                self.err[j] += float(torch.linalg.vector_norm(diff, dim=1).sum())
        self.base_norm += float(torch.linalg.vector_norm(base.reshape(b, -1), dim=1).sum())
        self.n += b

    def result(self) -> np.ndarray:
        """``e(θ)`` per grid point, shape ``(T,)``; NaN where every ``φ(x)`` is zero."""
        mean_norm = self.base_norm / self.n
        if mean_norm <= 0:
            return np.full(self.err.shape[0], np.nan)
        return (self.err / self.n / mean_norm).numpy()


def _build(setup: Setup) -> dict[str, EquivarianceAccumulator]:
    """One accumulator per layer with a known action ``ρ`` (:func:`resolve_actions`)."""
    rhos = resolve_actions(
        setup.options["rho"],
        setup.layers,
        setup.acts,
        setup.first_x,
        setup.transform,
        setup.explicit,
    )
    return {n: EquivarianceAccumulator(n, r, setup.t_len) for n, r in rhos.items() if r is not None}


METRIC = Metric(
    "equivariance", _build, field="equivariance", per_layer=True, rows=curves_rows("equivariance")
)
