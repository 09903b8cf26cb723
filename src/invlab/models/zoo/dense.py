"""Fully connected models: nothing in them knows about translations."""

from __future__ import annotations

import math

from torch import nn

from invlab._validation import check_int
from invlab.models.registry import register_model
from invlab.models.staged import Staged, dense_head


@register_model("linear")
def linear(in_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """Multinomial logistic regression on the raw input: ``flatten → linear``.

    Stages: ``flatten, logits``.

    Args:
        in_shape: one input without the batch dimension, ``(C, N)`` or ``(C, H, W)``.
        num_classes: number of output logits.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    return Staged(flatten=nn.Flatten(), logits=nn.Linear(math.prod(in_shape), num_classes))


@register_model("mlp")
def mlp(
    in_shape: tuple[int, ...],
    num_classes: int,
    width: int = 128,
    depth: int = 2,
    norm: str = "none",
    residual: bool = False,
) -> nn.Module:
    """``flatten → (linear [→ norm] → ReLU) × depth → linear``: ``depth`` hidden layers of
    ``width`` units, optionally normalised and with skip connections (deep MLPs that train).

    Stages: ``flatten, hidden1, ..., hidden{depth}, logits``.

    Args:
        in_shape: one input without the batch dimension, ``(C, N)`` or ``(C, H, W)``.
        num_classes: number of output logits.
        width: units per hidden layer.
        depth: number of hidden layers, ``>= 1``.
        norm: ``'none'`` (default), ``'batch'`` or ``'layer'`` normalisation before each ReLU.
        residual: ``True`` makes hidden layers 2 to ``depth`` residual, ``h + block(h)``.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    check_int(width, "width", minimum=1)
    check_int(depth, "depth", minimum=1)
    stages: dict[str, nn.Module] = {"flatten": nn.Flatten()}
    features = math.prod(in_shape)
    stages.update(dense_head(features, num_classes, width, depth, norm, residual))
    return Staged(**stages)
