"""What a metric is to the driver: an accumulator protocol and a registration record.

A metric's module holds its formula, an accumulator class that follows :class:`Accumulator`,
and one :class:`Metric` record that says how to build its accumulators for a measurement and
where their results go in a :class:`invlab.measure.Profile`. :mod:`invlab.measure.metrics.registry`
lists the records; :func:`invlab.measure.compute_profile` loops over them. A new metric is one
module here and one line in the registry.

An accumulator is fed in up to two passes over the data (:func:`invlab.measure.streaming.stream`):

* ``first_pass = True``: first every batch of untransformed inputs, ``first(acts, start)``
  (``acts``: each layer's output, ``start``: global index of the batch's first input);
* then, by its ``feed``, every batch once: ``'trajectories'`` gets a
  :class:`~invlab.measure.streaming.Trajectories` (``φ(x)`` and ``φ(g_θ x)`` of the hooked
  layers for all ``T`` grid points, from one forward of the transformed batch); ``'model'``
  gets a :class:`~invlab.measure.streaming.ModelBatch` (the model and the untransformed inputs,
  for metrics that differentiate the model themselves, as the Lie derivative does).

``result()`` then gives the metric's value: one per layer for ``per_layer`` metrics (stored as
``Profile.<field>[layer]``), else one for the model (``Profile.<field>``); the record's ``rows``
turns it into rows of :meth:`invlab.measure.Profile.to_frame`'s tidy table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import torch

from invlab.transforms import Transform

Feed = Literal["trajectories", "model"]


@runtime_checkable
class Accumulator(Protocol):
    """Running sums of one metric, fed batch by batch; ``result()`` once the data is through.

    Attributes:
        first_pass: whether :meth:`first` must see every untransformed batch before the
            first :meth:`update` (Goodfellow's thresholds).
        feed: what :meth:`update` receives: ``'trajectories'`` (a
            :class:`~invlab.measure.streaming.Trajectories`) or ``'model'`` (a
            :class:`~invlab.measure.streaming.ModelBatch`).
    """

    first_pass: bool
    feed: Feed

    def update(self, view: Any) -> None:
        """Add one batch: a ``Trajectories`` or a ``ModelBatch`` (see ``feed``)."""

    def result(self) -> Any:
        """The metric's value from everything fed so far."""


@dataclass
class Setup:
    """What a metric's builder may read: the measurement's settings and a first look at the model.

    Attributes:
        layers: the measured layers (``'input'``, module names, ``'output'``).
        n: number of inputs; ``t_len``: points of the transformation grid.
        transform: the transformation; ``options``: :func:`invlab.measure.compute_profile`'s
            metric options (``firing_rate``, ``polarity``, ``rho``, ...).
        explicit: the metrics were named by the caller (a metric that finds nothing to
            measure is then an error, not skipped).
        first_x: the first two inputs; ``acts``: every measured layer's output on them.
    """

    layers: list[str]
    n: int
    t_len: int
    transform: Transform
    options: dict[str, Any]
    explicit: bool
    first_x: torch.Tensor
    acts: dict[str, torch.Tensor]


@dataclass(frozen=True)
class Metric:
    """A metric's registration: its name, what it needs, how its accumulators are built.

    Args:
        name: the name callers pass in ``metrics=[...]`` (and the ``metric`` column).
        build: ``build(setup) -> {key: accumulator}``, keyed by layer for ``per_layer``
            metrics (a layer it cannot measure is left out) and by ``'output'`` otherwise.
        field: the :class:`invlab.measure.Profile` attribute that holds the result.
        per_layer: one accumulator and result per layer (``Profile.<field>[layer]``), or one
            for the model (``Profile.<field>``).
        needs_labels: measured only on labelled data ``(x, y)``.
        needs_logits: measured only on a ``(B, classes)`` model output.
        opt_in: left out of the default set (``metrics=None``): measured only when named.
        check: ``check(transform)`` raises early (before any data is read) when the metric
            cannot be measured for this transformation.
        rows: ``rows(value, profile)``: the table rows ``(layer, metric, param, value)`` of the
            result ``value`` (``None``: not in :meth:`~invlab.measure.Profile.to_frame`).
    """

    name: str
    build: Callable[[Setup], dict[str, Accumulator]]
    field: str
    per_layer: bool
    needs_labels: bool = False
    needs_logits: bool = False
    opt_in: bool = False
    check: Callable[[Transform], Any] | None = None
    rows: Callable[[Any, Any], list[tuple]] | None = None


Row = tuple[str, str, Any, float]


def curve_rows(layer: str, metric: str, labels: Sequence, values: np.ndarray) -> list[Row]:
    """A curve along the grid as table rows: one per grid point (``labels``) and its mean."""
    rows = [(layer, metric, p, float(v)) for p, v in zip(labels, values)]
    return [*rows, (layer, metric, "mean", float(np.mean(values)))]


def curves_rows(metric: str) -> Callable[[dict, Any], list[Row]]:
    """``rows`` of a per-layer curve metric: :func:`curve_rows` of every layer."""

    def rows(per_layer: dict, profile) -> list[Row]:
        labels = profile.param_labels()
        return [r for name, v in per_layer.items() for r in curve_rows(name, metric, labels, v)]

    return rows
