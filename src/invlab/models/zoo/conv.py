"""Convolutional models, 1D or 2D from the input shape.

``cnn`` and ``cnn_flat`` share their convolutions and differ only in the head: global average
pooling (translation invariant up to boundary effects) versus flatten + linear (keeps position).
The pair shows that the invariance of a CNN comes from the pooling, not from the convolutions.
"""

from __future__ import annotations

from torch import nn

from invlab._validation import check_choice, check_int
from invlab.models.registry import register_model
from invlab.models.staged import NORMS, Residual, Staged, conv_for, flat_features


def conv_stages(
    in_shape: tuple[int, ...],
    channels: int,
    depth: int,
    kernel_size: int,
    *,
    dilate: bool = True,
    padding_mode: str = "circular",
    batch_norm: bool = True,
    norm: str | None = None,
    residual: bool = False,
) -> dict[str, nn.Module]:
    """``depth`` blocks ``conv(k, dilation 2^(i-1), same padding) [→ norm] → ReLU``.

    Doubling the dilation (capped so the padding fits the input) grows the receptive field to
    ``1 + (k - 1)(2^depth - 1)`` samples without any subsampling, so with circular padding every
    block stays exactly equivariant to circular shifts (batch normalisation acts per channel, the
    same at every position).

    Args:
        in_shape: one input without the batch dimension, ``(C, N)`` or ``(C, H, W)``.
        channels: output channels of every conv (the width of the network).
        depth: number of conv blocks, ``>= 1``.
        kernel_size: conv kernel size in samples (pixels), odd.
        dilate: ``True`` doubles the dilation per block; ``False`` keeps it at 1 (for inputs as
            small as one sample).
        padding_mode: any of ``nn.Conv``'s (``'zeros'``, ``'reflect'``, ``'replicate'``,
            ``'circular'``); default ``'circular'``.
        batch_norm: batch normalisation after each conv; ``False`` drops it.
        norm: overrides ``batch_norm`` when given: ``'none'``, ``'batch'`` or ``'layer'``
            (``GroupNorm`` with one group: each input normalised over its channels and
            positions, which commutes with circular shifts like batch norm does).
        residual: blocks 2 to ``depth`` become ``h + block(h)``
            (:class:`~invlab.models.staged.Residual`; shift equivariance is kept).

    Returns:
        ``{"conv1": ..., ..., "conv{depth}": ...}``, each an ``nn.Sequential``; the output has
        ``channels`` channels and the input's spatial size.
    """
    check_int(channels, "channels", minimum=1)
    check_int(depth, "depth", minimum=1)
    check_int(kernel_size, "kernel_size", minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (for 'same' padding), got {kernel_size}")
    if norm is None:
        norm = "batch" if batch_norm else "none"
    check_choice(norm, "norm", NORMS)
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be True or False, got {residual!r}")
    conv = conv_for(in_shape)
    stages: dict[str, nn.Module] = {}
    c_in = in_shape[0]
    for i in range(1, depth + 1):
        dilation = 2 ** (i - 1) if dilate else 1
        # Circular padding cannot wrap more than once: cap the dilation on small inputs.
        while dilation > 1 and dilation * (kernel_size // 2) > min(in_shape[1:]):
            dilation //= 2
        block: list[nn.Module] = [
            conv(
                c_in,
                channels,
                kernel_size,
                dilation=dilation,
                padding=dilation * (kernel_size // 2),
                padding_mode=padding_mode,
            )
        ]
        if norm == "batch":
            block.append(_batch_norm(channels, len(in_shape) - 1))
        elif norm == "layer":
            block.append(nn.GroupNorm(1, channels))
        block = nn.Sequential(*block, nn.ReLU())
        stages[f"conv{i}"] = Residual(block) if residual and i > 1 else block
        c_in = channels
    return stages


def _batch_norm(channels: int, spatial_dims: int) -> nn.Module:
    return nn.BatchNorm1d(channels) if spatial_dims == 1 else nn.BatchNorm2d(channels)


@register_model("cnn")
def cnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 4,
    kernel_size: int = 5,
) -> nn.Module:
    """Convolutions, global average pooling, linear classifier.

    ``(conv → BatchNorm → ReLU) × depth → global average pool → linear``, with the circular,
    dilated convolutions of :func:`conv_stages`: every conv stage is exactly equivariant to
    circular shifts, so the pooled features are exactly invariant to them.
    Stages: ``conv1 ... conv{depth}, pool, logits``.

    Args:
        in_shape: one input without the batch dimension, ``(C, N)`` or ``(C, H, W)``.
        num_classes: number of output logits.
        channels: output channels of every conv (the width of the network).
        depth: number of conv blocks, ``>= 1``.
        kernel_size: conv kernel size in samples (pixels), odd.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.

    Examples:
        >>> import torch
        >>> cnn((1, 40), 10, channels=8, depth=2)(torch.zeros(3, 1, 40)).shape
        torch.Size([3, 10])
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
    depth: int = 4,
    kernel_size: int = 5,
    norm: str = "batch",
    residual: bool = False,
) -> nn.Module:
    """The convolutions of ``cnn`` with a flatten + linear head (no pooling): keeps position.

    ``(conv → BatchNorm → ReLU) × depth → flatten → linear``.
    Stages: ``conv1 ... conv{depth}, flatten, logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        norm: ``'batch'`` (default), ``'layer'`` or ``'none'``: the normalisation after each
            conv (see :func:`conv_stages`).
        residual: ``True`` makes conv blocks 2 to ``depth`` residual, ``h + block(h)``.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    stages = conv_stages(in_shape, channels, depth, kernel_size, norm=norm, residual=residual)
    stages["flatten"] = nn.Flatten()
    features = flat_features(nn.Sequential(*stages.values()), in_shape)
    stages["logits"] = nn.Linear(features, num_classes)
    return Staged(**stages)
