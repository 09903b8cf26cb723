"""The registered metrics, in the order of :data:`METRICS` (the order of measurement and of the
rows of :meth:`invlab.measure.Profile.to_frame`).

To add a metric: a module in this folder with its formula, an accumulator that follows
:class:`~invlab.measure.metrics.protocol.Accumulator` and a ``METRIC`` record
(:class:`~invlab.measure.metrics.protocol.Metric`), and its record in :data:`REGISTRY` below
(or :func:`register` from outside the package). :func:`invlab.measure.compute_profile` then
measures it by name and puts its result in the :class:`invlab.measure.Profile` attribute that
the record's ``field`` names (:meth:`~invlab.measure.Profile.to_frame` tabulates the built-in
metrics' fields).
"""

from __future__ import annotations

from invlab.measure.metrics import accuracy, consistency, equivariance, goodfellow, lie, sensitivity
from invlab.measure.metrics.protocol import Metric

REGISTRY: dict[str, Metric] = {
    m.name: m
    for m in (
        goodfellow.METRIC,
        sensitivity.METRIC,
        equivariance.METRIC,
        consistency.METRIC,
        accuracy.METRIC,
        lie.METRIC,
    )
}
METRICS = tuple(REGISTRY)  # the built-in metrics


def register(metric: Metric) -> Metric:
    """Add ``metric`` to :data:`REGISTRY`, so that ``compute_profile(metrics=[metric.name])``
    measures it; a name already taken is refused.

    Examples:
        >>> from invlab.measure.metrics.protocol import Metric
        >>> register(REGISTRY["sensitivity"])
        Traceback (most recent call last):
        ...
        ValueError: metric 'sensitivity' is already registered; choose another name
    """
    if not isinstance(metric, Metric):
        raise TypeError(f"metric must be a Metric record, got {type(metric).__name__}")
    if metric.name in REGISTRY:
        raise ValueError(f"metric {metric.name!r} is already registered; choose another name")
    REGISTRY[metric.name] = metric
    return metric
