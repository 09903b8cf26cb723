"""Layers that build invariance into a network instead of hoping it is learned.

* pooling norms: :class:`LpPool`, :class:`GlobalPool` (average ↔ max through ``p``);
* anti-aliased downsampling: :class:`BlurPool`;
* group convolution for rotations/reflections: :class:`GroupConv2d`, :class:`GroupPool`,
  on the finite groups of :class:`FiniteGroup` (C4, D4, C8, C16, ...);
* scale-space convolution, filters shared across scales: :class:`ScaleConv2d`;
* wrappers around any model: :class:`Symmetrize` (group averaging, exact for finite groups),
  :class:`MultiScale` (resolution pyramid), :class:`LearnedAugment` (Augerino).
"""

from invlab.nn.blur_pool import BlurPool, binomial_filter
from invlab.nn.group_conv import GroupConv2d, GroupPool
from invlab.nn.groups import GROUP_NAMES, FiniteGroup
from invlab.nn.learned_augment import LearnedAugment
from invlab.nn.lp_pool import GlobalPool, LpPool, power_mean
from invlab.nn.multiscale import MultiScale
from invlab.nn.scale_conv import ScaleConv2d, scale_conv2d
from invlab.nn.symmetrize import Symmetrize

__all__ = [
    "GROUP_NAMES",
    "BlurPool",
    "FiniteGroup",
    "GlobalPool",
    "GroupConv2d",
    "GroupPool",
    "LearnedAugment",
    "LpPool",
    "MultiScale",
    "ScaleConv2d",
    "Symmetrize",
    "binomial_filter",
    "power_mean",
    "scale_conv2d",
]
