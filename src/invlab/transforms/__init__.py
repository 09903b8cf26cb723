"""Geometric transformations acting on batches, for augmentation and measurement.

Every transformation follows :class:`Transform`: ``sample(n, generator)`` draws random
parameters, ``grid(steps)`` gives evenly spaced ones (for trajectories), ``apply(x, params)``
applies explicit per-sample parameters and ``t(x)`` applies random ones.
"""

from invlab.transforms.base import Transform
from invlab.transforms.compose import Compose
from invlab.transforms.deform import Deform
from invlab.transforms.rotate import Flip, Rotate, Rotate90
from invlab.transforms.scale import Scale
from invlab.transforms.shift import Shift
from invlab.transforms.spec import parse_transform

__all__ = [
    "Compose",
    "Deform",
    "Flip",
    "Rotate",
    "Rotate90",
    "Scale",
    "Shift",
    "Transform",
    "parse_transform",
]
