"""Reading a model's intermediate representations with forward hooks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from invlab.models.staged import layer_names

INPUT = "input"  # pseudo-layer: the raw input itself, the baseline every metric is read against


def resolve_layers(model: nn.Module, layers: str | Sequence[str]) -> list[str]:
    """Turn ``'all'`` or a list of names into validated layer names.

    ``'all'`` means ``['input', *layer_names(model)]``. Unknown names raise a ``ValueError``
    that lists the available ones.
    """
    available = [INPUT, *layer_names(model)]
    modules = dict(model.named_modules())
    if isinstance(layers, str):
        if layers == "all":
            return available
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty; pass 'all' or at least one layer name")
    for name in layers:
        if not isinstance(name, str):
            raise TypeError(f"layer names must be str, got {type(name).__name__}")
        if name != INPUT and name not in modules:
            raise ValueError(
                f"layer {name!r} is not in the model; available: {', '.join(available)} "
                f"(any name from model.named_modules() is accepted too)"
            )
    return layers


@contextmanager
def recording(
    model: nn.Module, layers: Sequence[str], *, flatten: bool = True
) -> Iterator[dict[str, torch.Tensor]]:
    """Within the block, every forward of ``model`` stores each layer's output, detached.

    The dictionary maps a layer name to its output of the latest forward, shape
    ``(B, units)`` (``flatten=True``) or the layer's own shape (``flatten=False``, for
    metrics that act on feature maps). The ``'input'`` pseudo-layer records the input.
    """
    store: dict[str, torch.Tensor] = {}
    modules = dict(model.named_modules())
    handles = []

    def hook_for(name: str):
        def hook(_module, _inputs, output):
            if isinstance(output, tuple | list):
                output = output[0]
            store[name] = output.detach().flatten(1) if flatten else output.detach()

        return hook

    def input_hook(_module, inputs):
        x = inputs[0].detach()
        store[INPUT] = x.flatten(1) if flatten else x

    try:
        for name in layers:
            if name == INPUT:
                handles.append(model.register_forward_pre_hook(input_hook))
            else:
                handles.append(modules[name].register_forward_hook(hook_for(name)))
        yield store
    finally:
        for h in handles:
            h.remove()


@torch.no_grad()
def forward_layers(
    model: nn.Module, x: torch.Tensor, layers: Sequence[str]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One forward pass: ``(logits, {layer: (B, units)})``."""
    with recording(model, layers) as store:
        out = model(x)
    return out.detach(), {name: store[name] for name in layers}


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for a parameterless model)."""
    for t in list(model.parameters()) + list(model.buffers()):
        return t.device
    return torch.device("cpu")


def batches(n: int, batch_size: int) -> Iterator[slice]:
    """Consecutive slices of ``range(n)`` of at most ``batch_size`` items."""
    for start in range(0, n, batch_size):
        yield slice(start, min(n, start + batch_size))


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Evaluation mode inside the block, the previous mode restored after."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
