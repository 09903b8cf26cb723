"""How invariant is a model? Per-layer metrics for any ``nn.Module``, as tidy DataFrames.

One module per metric holds its formula, accumulator and registration
(:mod:`~invlab.measure.metrics.goodfellow`, :mod:`~invlab.measure.metrics.sensitivity`,
:mod:`~invlab.measure.metrics.equivariance`, :mod:`~invlab.measure.metrics.consistency`,
:mod:`~invlab.measure.metrics.accuracy`, :mod:`~invlab.measure.metrics.lie`); the accumulators
follow one protocol (:mod:`~invlab.measure.metrics.protocol`) and the registry
(:mod:`~invlab.measure.metrics.registry`) lists the metrics, so that the driver
(:mod:`~invlab.measure.streaming`) streams batches through the model once and feeds them all.
:func:`compute_profile` measures the metrics asked for, exactly over the transformation's grid;
:func:`profile` and :func:`measure` give it as a table (every grid point / one row per layer);
one function per metric calls it for that metric alone. The Monte Carlo estimators
(:func:`sampled_sensitivity`, :func:`sampled_consistency`) draw random transformations instead.
"""

from invlab.measure.activations import (
    INPUT,
    OUTPUT,
    forward_layers,
    layer_names,
    recording,
    resolve_layers,
)
from invlab.measure.dead_relu import dead_units
from invlab.measure.functional import (
    accuracy_along,
    consistency,
    equivariance_error,
    goodfellow_scores,
    goodfellow_unit_scores,
    lie_derivative,
    measure,
    profile,
    sensitivity,
)
from invlab.measure.maps import grid_map, translation_sensitivity_map
from invlab.measure.metrics.goodfellow import layer_score
from invlab.measure.metrics.registry import METRICS
from invlab.measure.metrics.sampled import sampled_consistency, sampled_sensitivity
from invlab.measure.profiling import Profile, compute_profile

__all__ = [
    "INPUT",
    "METRICS",
    "OUTPUT",
    "Profile",
    "accuracy_along",
    "compute_profile",
    "consistency",
    "dead_units",
    "equivariance_error",
    "forward_layers",
    "goodfellow_scores",
    "goodfellow_unit_scores",
    "grid_map",
    "layer_names",
    "layer_score",
    "lie_derivative",
    "measure",
    "profile",
    "recording",
    "resolve_layers",
    "sampled_consistency",
    "sampled_sensitivity",
    "sensitivity",
    "translation_sensitivity_map",
]
