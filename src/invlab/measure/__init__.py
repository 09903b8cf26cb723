"""How invariant is a model? Per-layer metrics for any ``nn.Module``, as tidy DataFrames."""

from invlab.measure.activations import INPUT, forward_layers, recording, resolve_layers
from invlab.measure.goodfellow import goodfellow_scores, goodfellow_unit_scores, layer_score
from invlab.measure.predictions import accuracy_along, consistency
from invlab.measure.report import METRICS, measure
from invlab.measure.sensitivity import sensitivity

__all__ = [
    "INPUT",
    "METRICS",
    "accuracy_along",
    "consistency",
    "forward_layers",
    "goodfellow_scores",
    "goodfellow_unit_scores",
    "layer_score",
    "measure",
    "recording",
    "resolve_layers",
    "sensitivity",
]
