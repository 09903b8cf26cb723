"""Reference architectures from the papers whose numbers invlab reproduces.

* ``cnn_strided``: the convolutional baseline of MNIST-1D (Greydanus 2020, "Scaling down deep
  learning", 94 % on the standard split): three strided convolutions and a flatten + linear
  head. Nothing in it is invariant: the strides alias and the flatten keeps position.
"""

from __future__ import annotations

from torch import nn

from invlab._validation import check_int
from invlab.models.registry import register_model
from invlab.models.staged import Staged, conv_for, flat_features


@register_model("cnn_strided")
def cnn_strided(in_shape: tuple[int, ...], num_classes: int, channels: int = 25) -> nn.Module:
    """``conv(5, stride 2) → ReLU → 2 × [conv(3, stride 2) → ReLU] → flatten → linear``.

    Zero padding of 1 everywhere, as in the MNIST-1D paper's ``ConvBase``; a length-40 signal
    becomes ``channels × 5`` features (125 for the default 25 channels).
    Stages: ``conv1, conv2, conv3, flatten, logits``.

    Args:
        in_shape, num_classes: as :func:`~invlab.models.create_model`.
        channels: output channels of each of the three convs.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    check_int(channels, "channels", minimum=1)
    conv = conv_for(in_shape)
    stages: dict[str, nn.Module] = {}
    c_in = in_shape[0]
    for i, kernel_size in enumerate((5, 3, 3), start=1):
        stages[f"conv{i}"] = nn.Sequential(
            conv(c_in, channels, kernel_size, stride=2, padding=1), nn.ReLU()
        )
        c_in = channels
    stages["flatten"] = nn.Flatten()
    features = flat_features(nn.Sequential(*stages.values()), in_shape)
    stages["logits"] = nn.Linear(features, num_classes)
    return Staged(**stages)
