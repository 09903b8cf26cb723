"""Architectures with invariance built in, one per layer of :mod:`invlab.nn`.

* ``cnn_blur``: strided max pooling replaced by max (stride 1) + :class:`BlurPool`;
  ``filter_size=1`` is its max-pooling twin (plain subsampling), for comparisons.
* ``cnn_lp``: Lp pooling between blocks and a global Lp pooling head (``p`` fixed or learned).
* ``gcnn``: lifting + group convolutions on C4/D4/C8/C16, group pooling, global pooling:
  invariant to the group's rotations (and flips), exactly for C4 and D4 on square images.
* ``symmetric``: any zoo model averaged over a group (:class:`Symmetrize`).
* ``multiscale_cnn``: a CNN on a resolution pyramid, max over scales (:class:`MultiScale`).
* ``augerino_cnn``: a CNN averaged over learned affine transformations
  (:class:`LearnedAugment`; :func:`invlab.train.train` adds ``λ·regularizer()``).

All take ``(C, N)`` signals or ``(C, H, W)`` images except ``gcnn`` (images only).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from invlab._validation import check_int
from invlab.models.registry import check_input_kind, create_model, register_model
from invlab.models.staged import Staged, pooled_head
from invlab.models.zoo.conv import conv_stages
from invlab.nn import (
    BlurPool,
    GlobalPool,
    GroupConv2d,
    GroupPool,
    LearnedAugment,
    LpPool,
    MultiScale,
    Symmetrize,
)
from invlab.nn.groups import FiniteGroup


def _dims(in_shape: tuple[int, ...]) -> int:
    return len(in_shape) - 1


def plain_cnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int,
    depth: int,
    kernel_size: int,
    padding_mode: str = "zeros",
    batch_norm: bool = False,
) -> Staged:
    """``(conv(k, same padding) [→ BatchNorm] → ReLU) × depth → global average pool → linear``.

    Undilated, so it runs on inputs as small as one sample (the pyramid's coarse levels); the
    base of ``multiscale_cnn`` and ``augerino_cnn``. Stages ``conv1 ... conv{depth}, pool, logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        padding_mode: any of ``nn.Conv``'s; default ``'zeros'``.
        batch_norm: batch normalisation after each conv (default ``False``: none).

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    stages = conv_stages(
        in_shape,
        channels,
        depth,
        kernel_size,
        dilate=False,
        padding_mode=padding_mode,
        batch_norm=bool(batch_norm),
    )
    return Staged(**stages, **pooled_head(channels, num_classes))


def _pooled_blocks(
    in_shape: tuple[int, ...],
    channels: int,
    depth: int,
    kernel_size: int,
    downsample: Callable[[], list[nn.Module]],
    batch_norm: bool = False,
) -> dict[str, nn.Module]:
    """Blocks ``conv (circular, same) [→ BatchNorm] → ReLU → downsample()``, ``block1 ...``."""
    convs = conv_stages(
        in_shape, channels, depth, kernel_size, dilate=False, batch_norm=bool(batch_norm)
    )
    return {
        f"block{i}": nn.Sequential(*convs[f"conv{i}"], *downsample()) for i in range(1, depth + 1)
    }


@register_model("cnn_maxpool")
def cnn_maxpool(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 3,
    kernel_size: int = 3,
    batch_norm: bool = True,
) -> nn.Module:
    """The standard small CNN: blocks ``conv (zero padding) [→ BatchNorm] → ReLU → max pool 2``.

    ``block × depth`` (the last without max pooling) ``→ global average pool → linear``. Every
    pooling halves the resolution (``depth − 1`` of them), so it is cheap on images and, unlike
    ``cnn``, never dilates (dilated convolutions take a slow path in PyTorch on CPU). Zero
    padding, like the zeros that rotations and zooms bring in.
    Stages: ``block1 ... block{depth}, pool, logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        batch_norm: batch normalisation after each conv; ``False`` drops it.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    convs = conv_stages(
        in_shape,
        channels,
        depth,
        kernel_size,
        dilate=False,
        padding_mode="zeros",
        batch_norm=bool(batch_norm),
    )
    pool = nn.MaxPool1d(2) if _dims(in_shape) == 1 else nn.MaxPool2d(2)
    stages = {
        f"block{i}": nn.Sequential(*convs[f"conv{i}"], *([pool] if i < depth else []))
        for i in range(1, depth + 1)
    }
    return Staged(**stages, **pooled_head(channels, num_classes))


@register_model("cnn_blur")
def cnn_blur(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 16,
    depth: int = 2,
    kernel_size: int = 5,
    filter_size: int = 3,
    batch_norm: bool = False,
) -> nn.Module:
    """Blocks ``conv [→ BatchNorm] → ReLU → max pool (stride 1) → BlurPool(filter_size, 2)``.

    ``block × depth → global average pool → linear``. Circular padding everywhere, so only the
    subsampling breaks circular-shift invariance; the blur reduces the aliasing that it causes
    (Zhang 2019). Stages: ``block1 ... block{depth}, pool, logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        filter_size: taps of the binomial blur; ``1`` is no blur, i.e. ``conv → ReLU → max pool
            (stride 2)``, the standard CNN.
        batch_norm: batch normalisation after each conv (per channel, the same at every
            position, so circular-shift equivariance is kept); default ``False``: none.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    dims = _dims(in_shape)
    max_pool = nn.MaxPool1d if dims == 1 else nn.MaxPool2d

    def downsample() -> list[nn.Module]:
        return [
            nn.CircularPad1d((0, 1)) if dims == 1 else nn.CircularPad2d((0, 1, 0, 1)),
            max_pool(2, stride=1),
            BlurPool(filter_size, stride=2, dims=dims, padding_mode="circular"),
        ]

    stages = _pooled_blocks(in_shape, channels, depth, kernel_size, downsample, batch_norm)
    return Staged(**stages, **pooled_head(channels, num_classes))


@register_model("cnn_lp")
def cnn_lp(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 16,
    depth: int = 2,
    kernel_size: int = 5,
    p: float = 2.0,
    learnable_p: bool = False,
    batch_norm: bool = False,
) -> nn.Module:
    """Blocks ``conv [→ BatchNorm] → ReLU → LpPool(2, p)`` and a global Lp pooling head.

    ``block × depth → global Lp pool → linear``; stages ``block1 ... block{depth}, pool, logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        p: pooling exponent, ``> 0``: ``1`` is average pooling, large ``p`` approaches max pooling;
            the initial value when learned.
        learnable_p: ``True`` learns one ``p`` per channel in every pooling layer.
        batch_norm: batch normalisation after each conv, as in :func:`cnn_blur`.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    dims = _dims(in_shape)
    lp = {"p": float(p), "learnable": bool(learnable_p), "channels": channels}
    stages = _pooled_blocks(
        in_shape, channels, depth, kernel_size, lambda: [LpPool(2, dims=dims, **lp)], batch_norm
    )
    return Staged(**stages, **pooled_head(channels, num_classes, GlobalPool("lp", **lp)))


@register_model("gcnn", inputs=("images",))
def gcnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    group: str = "C4",
    channels: int = 8,
    depth: int = 3,
    kernel_size: int = 5,
    reduce: str = "max",
    batch_norm: bool = True,
    pool: bool = False,
) -> nn.Module:
    """A group-equivariant CNN: lifting conv, ``depth − 1`` group convs, group pooling.

    ``lift → gconv × (depth − 1)`` (each ``conv [→ BatchNorm3d] → ReLU [→ max pool 2]``) ``→
    group pool → global average pool → linear``. ``channels`` fields each hold ``|G|`` maps;
    the normalisation is ``BatchNorm3d`` over the ``(B, C, G, H, W)`` maps, one mean and scale
    per field shared by its ``|G|`` maps, so it commutes with the group. Group pooling then
    global pooling make the features invariant to the group (exactly for C4/D4 on square
    images). Stages: ``lift, gconv2 ... gconv{depth}, group_pool, pool, logits``.

    Args:
        in_shape: one image without the batch dimension, ``(C, H, W)``.
        num_classes: number of output logits.
        group: ``'C1' ... 'C16'`` (rotations) or ``'D1' ... 'D16'`` (rotations and flips), order
            1, 2, 4, 8 or 16.
        channels: fields per layer (each of ``|G|`` maps).
        depth: number of conv blocks, ``>= 1``.
        kernel_size: conv kernel size in samples (pixels), odd.
        reduce: group pooling, ``'max'`` or ``'mean'`` over the group axis.
        batch_norm: field-wise batch normalisation after each conv.
        pool: ``True`` halves the resolution after every block but the last (2×2 max pooling of
            each map); on sizes divisible by ``2^(depth−1)`` C4/D4 stay exact.

    Shape:
        Input ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    check_input_kind(in_shape, "gcnn", "images")
    check_int(channels, "channels", minimum=1)
    check_int(depth, "depth", minimum=1)
    g = FiniteGroup(group)

    def block(conv: nn.Module, last: bool) -> nn.Sequential:
        norm = [nn.BatchNorm3d(channels)] if batch_norm else []
        # (1, 2, 2) cells: the group axis is kept, each map is pooled on its own.
        down = [nn.MaxPool3d((1, 2, 2))] if pool and not last else []
        return nn.Sequential(conv, *norm, nn.ReLU(), *down)

    lift = GroupConv2d(in_shape[0], channels, kernel_size, g, lifting=True)
    stages: dict[str, nn.Module] = {"lift": block(lift, depth == 1)}
    for i in range(2, depth + 1):
        stages[f"gconv{i}"] = block(GroupConv2d(channels, channels, kernel_size, g), i == depth)
    stages["group_pool"] = GroupPool(reduce)
    return Staged(**stages, **pooled_head(channels, num_classes))


@register_model("symmetric", inputs=("images",))
def symmetric(
    in_shape: tuple[int, ...],
    num_classes: int,
    base: str = "cnn",
    group: str = "C4",
    reduce: str = "mean",
    **base_size,
) -> nn.Module:
    """The zoo model ``base`` averaged over ``group``: exactly invariant to it.

    ``logits(x) = reduce_g base(g·x)`` (:class:`Symmetrize`). Stage: ``logits``.

    Args:
        in_shape, num_classes: as :func:`~invlab.models.create_model`.
        base: name of the zoo model to symmetrize (see :func:`list_models`).
        group: a group name (``'C4'``, ``'D4'``, ...; images) or ``'shifts'``: every circular
            shift of the input (signals or square images; ``N`` or ``H·W`` copies).
        reduce: ``'mean'`` or ``'max'`` over the transformed copies' logits.
        **base_size: size arguments of ``base`` (``channels``, ``depth``, ...).

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    model = create_model(base, in_shape=in_shape, num_classes=num_classes, **base_size)
    if group == "shifts":
        from invlab.transforms import Shift

        n = in_shape[-1]
        if len(in_shape) == 3 and in_shape[-2] != n:
            raise ValueError(f"group='shifts' needs square images, got in_shape={in_shape}")
        wrapped = Symmetrize(
            model, Shift(shift_range=(0, n - 1), dims=_dims(in_shape)), reduce, steps=n
        )
    else:
        if len(in_shape) != 3:
            raise ValueError(
                f"group {group!r} rotates images; for signals (C, N) use group='shifts'"
            )
        wrapped = Symmetrize(model, group, reduce)
    return Staged(logits=wrapped)


@register_model("multiscale_cnn")
def multiscale_cnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 3,
    kernel_size: int = 5,
    scales: tuple[float, ...] = (1.0, 0.75, 0.5),
    reduce: str = "max",
    batch_norm: bool = False,
    level_stats: bool = True,
) -> nn.Module:
    """A CNN with global pooling applied to a resolution pyramid, ``reduce`` over scales.

    ``logits(x) = reduce_s plain_cnn(resize(x, s))`` (:class:`MultiScale`), the base being
    :func:`plain_cnn` (zero padding, no dilation, so coarse levels of a few pixels work).
    Stage: ``logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        scales: resize factors of the pyramid's levels (``1.0`` is the input).
        reduce: ``'max'`` or ``'mean'`` over the scales' logits.
        batch_norm: batch normalisation after each conv (default ``False``: none).
        level_stats: batch-norm running statistics per pyramid level (``False``: shared, the
            behaviour before issue #21, which evaluated levels with the wrong statistics).

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    base = plain_cnn(in_shape, num_classes, channels, depth, kernel_size, batch_norm=batch_norm)
    return Staged(logits=MultiScale(base, scales, reduce, level_stats=bool(level_stats)))


@register_model("augerino_cnn")
def augerino_cnn(
    in_shape: tuple[int, ...],
    num_classes: int,
    channels: int = 32,
    depth: int = 3,
    kernel_size: int = 5,
    generators: tuple[str, ...] | None = None,
    init_width: float = 0.1,
    train_samples: int = 1,
    eval_samples: int = 8,
    batch_norm: bool = False,
    reg: float = 0.05,
    pool: bool = False,
) -> nn.Module:
    """A CNN averaged over affine transformations with learned widths (Augerino).

    ``features(x) = mean_{ε ~ U[-1, 1]} pool(convs(exp(Σ ε_i w_i G_i)·x))``,
    ``logits(x) = W·features(x) + b`` (:class:`LearnedAugment` around the convolutions and the
    global pool). The read-out is linear, so this is Benton et al.'s average of the logits of
    the transformed copies, and the averaged features are the representation the read-out
    reads, as in every other model. Stages ``augment`` (read its ``widths()``), ``logits``.

    Args:
        in_shape, num_classes, channels, depth, kernel_size: as :func:`~invlab.models.zoo.conv.cnn`.
        generators: affine generators to learn widths for; images: ``'translate_x'``,
            ``'translate_y'``, ``'rotate'``, ``'scale'``, ``'stretch'``, ``'shear'``; signals:
            ``'translate'``, ``'scale'``. ``None``: all of them.
        init_width: initial width of every generator, ``> 0``.
        train_samples: transformed copies averaged per input in training.
        eval_samples: transformed copies averaged per input in evaluation.
        batch_norm: batch normalisation after each conv of the base.
        reg: Augerino's ``λ``: :func:`invlab.train.train` minimises ``loss − λ‖w‖₂``, so the
            widths grow unless the data pull them back.
        pool: the base is ``cnn_maxpool`` (max pooling after every block but the last: a wider
            receptive field, cheaper) instead of the unpooled ``plain_cnn``.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    if pool:
        base = cnn_maxpool(in_shape, num_classes, channels, depth, kernel_size, batch_norm)
    else:
        base = plain_cnn(in_shape, num_classes, channels, depth, kernel_size, batch_norm=batch_norm)
    stages = dict(base.named_children())
    head = stages.pop("logits")
    wrapped = LearnedAugment(
        Staged(**stages),
        generators=generators,
        dims=_dims(in_shape),
        init_width=init_width,
        train_samples=train_samples,
        eval_samples=eval_samples,
        reg=reg,
    )
    return Staged(augment=wrapped, logits=head)
