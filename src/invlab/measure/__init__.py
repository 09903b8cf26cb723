"""How invariant is a model? Per-layer metrics for any ``nn.Module``, as tidy DataFrames.

:func:`profile` measures every metric for every layer in one streaming pass;
:func:`translation_sensitivity_map` draws sensitivity over a 2D grid of shifts; the
single-metric functions (:func:`goodfellow_scores`, :func:`sensitivity`, :func:`consistency`,
:func:`accuracy_along`) and :func:`measure` remain for the study code.
"""

from invlab.measure.activations import INPUT, forward_layers, recording, resolve_layers
from invlab.measure.equivariance import equivariance_error
from invlab.measure.goodfellow import goodfellow_scores, goodfellow_unit_scores, layer_score
from invlab.measure.maps import grid_map, translation_sensitivity_map
from invlab.measure.predictions import accuracy_along, consistency
from invlab.measure.profiling import OUTPUT, PROFILE_METRICS, Profile, compute_profile, profile
from invlab.measure.report import METRICS, measure
from invlab.measure.sensitivity import sensitivity

__all__ = [
    "INPUT",
    "METRICS",
    "OUTPUT",
    "PROFILE_METRICS",
    "Profile",
    "accuracy_along",
    "compute_profile",
    "consistency",
    "equivariance_error",
    "forward_layers",
    "goodfellow_scores",
    "goodfellow_unit_scores",
    "grid_map",
    "layer_score",
    "measure",
    "profile",
    "recording",
    "resolve_layers",
    "sensitivity",
    "translation_sensitivity_map",
]
