"""Convolutional models, 1D or 2D from the input shape.

``cnn`` and ``cnn_flat`` share their convolutions and differ only in the head: global average
pooling (translation invariant up to boundary effects) versus flatten + linear (keeps position).
The pair shows that the invariance of a CNN comes from the pooling, not from the convolutions.
"""

from __future__ import annotations

from torch import nn

from invlab._validation import check_int
from invlab.models.registry import register_model
from invlab.models.staged import Staged, conv_for, flat_features


def conv_stages(
    in_shape: tuple[int, ...], channels: int, depth: int, kernel_size: int
) -> dict[str, nn.Module]:
    """``depth`` blocks ``conv(k, dilation 2^(i-1), circular padding) → ReLU``.

    Doubling the dilation grows the receptive field to ``1 + (k - 1)(2^depth - 1)`` samples
    without any subsampling, so every block stays exactly equivariant to circular shifts.
    Blocks are named ``conv1 ... conv{depth}``.
    """
    check_int(channels, "channels", minimum=1)
    check_int(depth, "depth", minimum=1)
    check_int(kernel_size, "kernel_size", minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (for 'same' padding), got {kernel_size}")
    conv = conv_for(in_shape)
    stages: dict[str, nn.Module] = {}
    c_in = in_shape[0]
    for i in range(1, depth + 1):
        dilation = 2 ** (i - 1)
        stages[f"conv{i}"] = nn.Sequential(
            conv(
                c_in,
                channels,
                kernel_size,
                dilation=dilation,
                padding=dilation * (kernel_size // 2),
                padding_mode="circular",
            ),
            nn.ReLU(),
        )
        c_in = channels
    return stages


@register_model("cnn")
def cnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 3,
    kernel_size: int = 5,
) -> nn.Module:
    """Convolutions then global average pooling then a linear classifier.

    Circular padding makes every conv stage exactly equivariant to circular shifts, so
    the pooled features are exactly invariant to them.
    Stages: ``conv1 ... conv{depth}, pool, logits``.
    """
    stages = conv_stages(in_shape, channels, depth, kernel_size)
    stages["pool"] = nn.Sequential(
        nn.AdaptiveAvgPool1d(1) if len(in_shape) == 2 else nn.AdaptiveAvgPool2d(1), nn.Flatten()
    )
    stages["logits"] = nn.Linear(channels, num_classes)
    return Staged(**stages)


@register_model("cnn_flat")
def cnn_flat(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 3,
    kernel_size: int = 5,
) -> nn.Module:
    """The convolutions of ``cnn`` with a flatten + linear head (no pooling).

    Stages: ``conv1 ... conv{depth}, flatten, logits``.
    """
    stages = conv_stages(in_shape, channels, depth, kernel_size)
    stages["flatten"] = nn.Flatten()
    features = flat_features(nn.Sequential(*stages.values()), in_shape)
    stages["logits"] = nn.Linear(features, num_classes)
    return Staged(**stages)
