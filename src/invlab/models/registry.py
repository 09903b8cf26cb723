"""Models by name: ``create_model("mlp", in_shape=(1, 40), num_classes=10, width=128)``.

A builder has the signature ``build(in_shape, num_classes, **size) -> nn.Module`` where
``in_shape`` excludes the batch dimension: ``(C, N)`` for signals, ``(C, H, W)`` for images.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from torch import nn

Builder = Callable[..., nn.Module]
_MODELS: dict[str, Builder] = {}
_INPUTS: dict[str, tuple[str, ...]] = {}
INPUTS = {"signals": (1, 40), "images": (1, 16, 16)}
"""The input kinds a model may declare, each with the example shape (no batch axis) that the
zoo's tests build it on."""


_LAYOUTS = {"signals": ("(C, N)", 2), "images": ("(C, H, W)", 3)}


def check_input_kind(in_shape: tuple[int, ...], model: str, kind: str) -> None:
    """Refuse an ``in_shape`` that is not one input of ``kind`` (``'signals'``: ``(C, N)``,
    ``'images'``: ``(C, H, W)``), for a builder that takes only that kind.

    Args:
        in_shape: one input without the batch dimension, as the builder received it.
        model: the builder's registered name, for the message.
        kind: ``'signals'`` or ``'images'`` (a key of :data:`INPUTS`).

    Raises:
        ValueError: naming ``model``, the layout it needs and the ``in_shape`` given.

    Examples:
        >>> check_input_kind((1, 40), "gcnn", "images")
        Traceback (most recent call last):
        ...
        ValueError: gcnn needs images: in_shape must be (C, H, W), got (1, 40)
    """
    layout, rank = _LAYOUTS[kind]
    if len(in_shape) != rank:
        raise ValueError(f"{model} needs {kind}: in_shape must be {layout}, got {in_shape}")


def register_model(
    name: str, *, inputs: tuple[str, ...] = ("signals", "images")
) -> Callable[[Builder], Builder]:
    """Decorator that registers a builder under ``name`` for :func:`create_model`.

    Args:
        name: the model's name, a non-empty string not yet registered to another builder.
        inputs: the input kinds (keys of :data:`INPUTS`) the model takes with its default size
            arguments; ``create_model`` on another kind raises a ``ValueError`` that says why.

    Returns:
        The decorator; it returns the builder unchanged.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    unknown = [kind for kind in inputs if kind not in INPUTS]
    if not inputs or unknown:
        raise ValueError(f"inputs must be a non-empty subset of {list(INPUTS)}, got {inputs!r}")

    def decorate(builder: Builder) -> Builder:
        if name in _MODELS and _MODELS[name] is not builder:
            raise ValueError(f"a model named {name!r} is already registered")
        _MODELS[name] = builder
        _INPUTS[name] = tuple(inputs)
        return builder

    return decorate


def list_models() -> list[str]:
    """The registered model names."""
    return sorted(_MODELS)


def model_inputs(name: str) -> tuple[str, ...]:
    """The input kinds (``'signals'``, ``'images'``) model ``name`` takes with its defaults.

    Args:
        name: one of :func:`list_models`.

    Examples:
        >>> model_inputs("gcnn")
        ('images',)
    """
    _get(name)
    return _INPUTS[name]


def model_signature(name: str) -> dict[str, object]:
    """The size arguments a model takes and their defaults.

    Args:
        name: one of :func:`list_models`.

    Returns:
        ``{argument: default}`` without ``in_shape`` and ``num_classes``; ``None`` for an
        argument without a default.

    Examples:
        >>> model_signature("mlp")
        {'width': 128, 'depth': 2, 'norm': 'none', 'residual': False}
    """
    builder = _get(name)
    params = inspect.signature(builder).parameters
    return {
        k: (None if p.default is inspect.Parameter.empty else p.default)
        for k, p in params.items()
        if k not in ("in_shape", "num_classes") and p.kind is not p.VAR_KEYWORD
    }


def create_model(
    name: str, in_shape: tuple[int, ...] = (1, 40), num_classes: int = 10, **size
) -> nn.Module:
    """Build the model registered as ``name``.

    Args:
        name: one of :func:`list_models`.
        in_shape: shape of one input without the batch dimension, ``(C, N)`` or ``(C, H, W)``.
        num_classes: number of output logits.
        **size: the model's size arguments (``width``, ``depth``, ``channels``, ...).

    Examples:
        >>> import torch
        >>> m = create_model("mlp", in_shape=(1, 40), width=32, depth=2)
        >>> m(torch.zeros(5, 1, 40)).shape
        torch.Size([5, 10])
    """
    builder = _get(name)
    in_shape = tuple(in_shape)
    if len(in_shape) not in (2, 3) or any(int(s) < 1 for s in in_shape):
        raise ValueError(
            f"in_shape must be (C, N) for signals or (C, H, W) for images with positive "
            f"sizes, got {in_shape}"
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    allowed = model_signature(name)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(builder).parameters.values())
    unknown = sorted(set(size) - set(allowed))
    if unknown and not takes_any:
        raise ValueError(
            f"model {name!r} got unknown size argument(s) {unknown}; it accepts "
            f"{sorted(allowed) or 'none'}"
        )
    return builder(in_shape, num_classes, **size)


def _get(name: str) -> Builder:
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    return _MODELS[name]
