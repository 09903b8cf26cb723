"""A fixed invariant representation followed by a learned classifier."""

from __future__ import annotations

import math

from torch import nn

from invlab._validation import check_int
from invlab.invariants import FourierModulus
from invlab.models.registry import register_model
from invlab.models.staged import Staged, dense_head


@register_model("fourier_mlp")
def fourier_mlp(
    in_shape: tuple[int, ...], num_classes: int, width: int = 256, depth: int = 2
) -> nn.Module:
    """``log(1 + |F x|)`` (exactly invariant to circular shifts) then an MLP.

    ``|FFT| → log1p → flatten → (linear → ReLU) × depth → linear``; every stage after
    ``fourier`` inherits the invariance. Stages: ``fourier, flatten, hidden1 ... hidden{depth},
    logits``.

    Args:
        in_shape, num_classes, width, depth: as :func:`~invlab.models.zoo.dense.mlp`.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    check_int(width, "width", minimum=1)
    check_int(depth, "depth", minimum=1)
    dims = len(in_shape) - 1
    fourier = FourierModulus(dims=dims, normalized=True, log=True)
    features = math.prod(fourier.output_shape(in_shape))
    stages: dict[str, nn.Module] = {"fourier": fourier, "flatten": nn.Flatten()}
    stages.update(dense_head(features, num_classes, width, depth))
    return Staged(**stages)
