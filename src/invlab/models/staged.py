"""A sequential model whose named stages are the layers that measurement looks at."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from invlab._validation import check_choice
from invlab.nn import GlobalPool


class Staged(nn.Sequential):
    """``nn.Sequential`` of named stages; :meth:`layer_names` lists them for measurement.

    ``layer_names()`` is the convention of :func:`invlab.measure.layer_names`: a model that
    defines it says which layers are measured (no import of the measuring package needed).

    Args:
        **stages: the stages as ``name=module``, applied in the order given; a model with a
            final linear read-out names it ``logits``.

    Examples:
        >>> m = Staged(hidden1=nn.Linear(4, 8), logits=nn.Linear(8, 2))
        >>> m.layer_names()
        ['hidden1', 'logits']
    """

    def __init__(self, **stages: nn.Module) -> None:
        super().__init__(OrderedDict(stages))

    def layer_names(self) -> list[str]:
        """Names of the stages, input to output."""
        return [name for name, _ in self.named_children()]

    def readout_input(self) -> str | None:
        """The stage whose output the ``logits`` stage (the final linear read-out) reads;
        ``None`` without a ``logits`` stage or when it is the first stage."""
        names = self.layer_names()
        at = names.index("logits") if "logits" in names else 0
        return names[at - 1] if at > 0 else None


class Residual(nn.Module):
    """A skip connection around ``block``: ``y = x + block(x)`` (He et al. 2016), so a deep
    stack starts near the identity and its gradients reach the first layers.

    Args:
        block: maps ``x`` to a tensor of ``x``'s shape.

    Shape:
        Input ``(B, *)`` → output ``(B, *)``, the same shape.

    Examples:
        >>> import torch
        >>> Residual(nn.Linear(4, 4))(torch.zeros(2, 4)).shape
        torch.Size([2, 4])
    """

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        if not isinstance(block, nn.Module):
            raise TypeError(f"block must be an nn.Module, got {type(block).__name__}")
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


def readout_input(model: nn.Module) -> str | None:
    """The name of the layer whose output ``model``'s final linear read-out reads.

    It is the representation a study reads ``sensitivity`` and the Goodfellow score at, the same
    role in every model.

    Args:
        model: any module; one that defines ``readout_input()`` (such as :class:`Staged`) names
            the layer.

    Returns:
        The layer name, or ``None`` for a model that does not declare it (a wrapper such as
        :class:`~invlab.nn.Symmetrize` or :class:`~invlab.nn.LearnedAugment`, whose read-out
        averages the logits of transformed copies, so that no single layer is its input).

    Examples:
        >>> readout_input(Staged(hidden1=nn.Linear(4, 8), logits=nn.Linear(8, 2)))
        'hidden1'
        >>> readout_input(nn.Linear(4, 2)) is None
        True
    """
    method = getattr(model, "readout_input", None)
    return method() if callable(method) else None


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (those with ``requires_grad``).

    Args:
        model: any module.

    Examples:
        >>> count_parameters(nn.Linear(4, 2))
        10
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def conv_for(in_shape: tuple[int, ...]) -> type[nn.Module]:
    """``nn.Conv1d`` for ``(C, N)`` inputs, ``nn.Conv2d`` for ``(C, H, W)``.

    Args:
        in_shape: one input without the batch dimension.
    """
    return nn.Conv1d if len(in_shape) == 2 else nn.Conv2d


def flat_features(module: nn.Module, in_shape: tuple[int, ...]) -> int:
    """Number of features ``module`` produces per sample (a dry run on zeros).

    Args:
        module: maps ``(1, *in_shape)`` to ``(1, ...)``.
        in_shape: one input without the batch dimension.
    """
    with torch.no_grad():
        return int(module(torch.zeros(1, *in_shape)).flatten(1).shape[1])


NORMS = ("none", "batch", "layer")


def dense_head(
    features: int,
    num_classes: int,
    width: int,
    depth: int,
    norm: str = "none",
    residual: bool = False,
) -> dict[str, nn.Module]:
    """``(linear [→ norm] → ReLU) × depth → linear``: ``depth`` hidden layers of ``width`` units.

    Args:
        features: inputs per sample (the flattened representation).
        num_classes: number of output logits.
        width: units per hidden layer.
        depth: number of hidden layers; ``0`` is a linear read-out.
        norm: ``'none'``, ``'batch'`` (``BatchNorm1d``) or ``'layer'`` (``LayerNorm``) between
            each linear map and its ReLU.
        residual: hidden layers 2 to ``depth`` become ``h + block(h)`` (:class:`Residual`;
            the first changes the width, so it has no skip connection).

    Returns:
        Stages ``hidden1 ... hidden{depth}, logits`` (for :class:`Staged`).
    """
    check_choice(norm, "norm", NORMS)
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be True or False, got {residual!r}")
    stages: dict[str, nn.Module] = {}
    for i in range(1, depth + 1):
        normalise = {"none": [], "batch": [nn.BatchNorm1d(width)], "layer": [nn.LayerNorm(width)]}
        block = nn.Sequential(nn.Linear(features, width), *normalise[norm], nn.ReLU())
        stages[f"hidden{i}"] = Residual(block) if residual and i > 1 else block
        features = width
    stages["logits"] = nn.Linear(features, num_classes)
    return stages


def pooled_head(
    channels: int, num_classes: int, pool: nn.Module | None = None
) -> dict[str, nn.Module]:
    """The read-out of a convolutional model: ``pool → linear``.

    Args:
        channels: channels of the conv output (the features after pooling).
        num_classes: number of output logits.
        pool: pooling to ``(B, channels)``; ``None``: global average pooling.

    Returns:
        Stages ``pool, logits`` (for :class:`Staged`).
    """
    return {"pool": pool or GlobalPool("avg"), "logits": nn.Linear(channels, num_classes)}


def standardized_head(
    features: int, num_classes: int, width: int, depth: int
) -> dict[str, nn.Module]:
    """Per-feature batch norm, then :func:`dense_head`: the read-out of a fixed invariant, whose
    coefficients span decades.

    Args:
        features, num_classes, width, depth: as :func:`dense_head` (``features``: the
            flattened invariant's size).

    Returns:
        Stages ``normalize, hidden1 ... hidden{depth}, logits`` (for :class:`Staged`).
    """
    normalize = nn.BatchNorm1d(features)
    return {"normalize": normalize, **dense_head(features, num_classes, width, depth)}
