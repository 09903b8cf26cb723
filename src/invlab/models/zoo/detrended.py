"""A CNN behind a detrending front end: two exact invariances, each to one of MNIST-1D's nuisances.

MNIST-1D (Greydanus 2020) moves each digit by a circular translation and then adds a random
linear ramp (its *shear*). The circular ``cnn`` is exactly invariant to the first;
:class:`~invlab.invariants.Detrend` in front of it removes the second exactly. Measured on the
standard split, the front end is what lifts the CNN past the paper's human level (see
``docs/architectures.md``).
"""

from __future__ import annotations

from torch import nn

from invlab._validation import check_int
from invlab.invariants import Detrend
from invlab.models.registry import check_input_kind, register_model
from invlab.models.staged import Staged, pooled_head
from invlab.models.zoo.conv import conv_stages


@register_model("detrend_cnn", inputs=("signals",))
def detrend_cnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 4,
    kernel_size: int = 5,
    degree: int = 1,
    keep_mean: bool = True,
) -> nn.Module:
    """``Detrend(degree, keep_mean)`` along the last axis, then the convolutions of ``cnn``
    (circular, dilated, batch-normalised), global average pooling and a linear classifier.

    Exactly invariant to adding a polynomial of degree ``≤ degree`` along the last axis (a
    zero-mean one with the default ``keep_mean=True``: the shear of MNIST-1D is such a ramp,
    and the mean is no nuisance there). Signals only.
    Stages: ``detrend, conv1 ... conv{depth}, pool, logits``.

    Args:
        in_shape: one signal without the batch dimension, ``(C, N)``.
        num_classes: number of output logits.
        channels: output channels of every conv (the width of the network).
        depth: number of conv blocks, ``>= 1``.
        kernel_size: conv kernel size in samples (pixels), odd.
        degree: degree of the polynomial removed (``0``: the mean, ``1``: a linear ramp), ``>= 0``.
        keep_mean: ``True`` adds the signal's mean back (only the zero-mean part of the trend is
            removed); ``False`` removes the full least-squares fit.

    Shape:
        Input ``(B, C, N)`` → logits ``(B, num_classes)``.
    """
    check_input_kind(in_shape, "detrend_cnn", "signals")
    check_int(degree, "degree", minimum=0)
    stages: dict[str, nn.Module] = {"detrend": Detrend(degree, keep_mean)}
    stages.update(conv_stages(in_shape, channels, depth, kernel_size))
    return Staged(**stages, **pooled_head(channels, num_classes))
