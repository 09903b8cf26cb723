"""Which layers of a model are measured, and reading their outputs with forward hooks.

The naming convention is measurement's own: a model that defines a ``layer_names()`` method
(every zoo model does, through :class:`invlab.models.Staged`) says which layers to measure; any
other model contributes its leaf modules. Models follow the convention by defining the method;
they need not import this package.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from invlab._validation import first_output

INPUT = "input"  # pseudo-layer: the raw input itself, the baseline every metric is read against
OUTPUT = "output"  # pseudo-layer: the model's output (needs no hook, works for TorchScript)


def layer_names(model: nn.Module) -> list[str]:
    """The layers of ``model`` worth measuring, input to output.

    A model with a ``layer_names()`` method says which; any other model contributes its leaf
    modules (those without children).

    Examples:
        >>> layer_names(nn.Sequential(nn.Linear(4, 8), nn.ReLU()))
        ['0', '1']
    """
    if hasattr(model, "layer_names") and callable(model.layer_names):
        return list(model.layer_names())
    return [name for name, m in model.named_modules() if name and not list(m.children())]


def resolve_layers(model: nn.Module, layers: str | Sequence[str]) -> list[str]:
    """Turn ``'all'`` or a list of names into validated layer names.

    ``'all'`` means ``['input', *layer_names(model)]`` (``['input', 'output']`` for a
    TorchScript model, which supports no hooks). ``'output'`` is the model's output unless a
    submodule has that name. Unknown names raise a ``ValueError`` listing the available ones.
    """
    scripted = isinstance(model, torch.jit.ScriptModule)
    if isinstance(layers, str) and layers == "all":
        return [INPUT, OUTPUT] if scripted else [INPUT, *layer_names(model)]
    chosen = [layers] if isinstance(layers, str) else list(layers)
    if not chosen:
        raise ValueError("layers is empty; pass 'all' or at least one layer name")
    for name in chosen:
        if not isinstance(name, str):
            raise TypeError(f"layer names must be str, got {type(name).__name__}")
    if scripted:
        if any(n not in (INPUT, OUTPUT) for n in chosen):
            raise ValueError(
                "a TorchScript model supports no forward hooks: layers can only be 'input' "
                "and 'output'; load the model from its Python source to measure inner layers"
            )
        return chosen
    modules = dict(model.named_modules())
    for name in chosen:
        if name not in (INPUT, OUTPUT) and name not in modules:
            available = [INPUT, *layer_names(model)]
            raise ValueError(
                f"layer {name!r} is not in the model; available: {', '.join(available)} "
                f"(any name from model.named_modules() is accepted too)"
            )
    return chosen


@contextmanager
def recording(
    model: nn.Module, layers: Sequence[str], *, flatten: bool = True
) -> Iterator[dict[str, torch.Tensor]]:
    """Within the block, every forward of ``model`` stores each layer's output, detached.

    The dictionary maps a layer name to its output of the latest forward, shape
    ``(B, units)`` (``flatten=True``) or the layer's own shape (``flatten=False``, for
    metrics that act on feature maps). ``'input'`` records the input; ``'output'`` (when no
    submodule has that name) is left to the caller, who has the forward's result.

    Outputs are copied when the layer returns, so a later in-place op (``ReLU(inplace=True)``,
    ``+=``) cannot change what was stored: values equal those of the same model without
    in-place ops, bit for bit. A module that runs more than once in one forward (one ``ReLU``
    reused) is stored at its last call, with a warning.
    """
    store: dict[str, torch.Tensor] = {}
    modules = dict(model.named_modules())
    handles = []
    calls: dict[str, int] = {}  # hook calls per layer within the current forward
    warned: set[str] = set()

    def hook_for(name: str):
        def hook(_module, _inputs, output):
            output = first_output(output, f"layer {name!r}'s output")
            # A copy, taken now: a later in-place op (ReLU(inplace=True), +=) would otherwise
            # overwrite the stored values, since detach() shares memory with the output.
            kept = output.detach().clone()
            calls[name] = calls.get(name, 0) + 1
            if calls[name] == 2 and name not in warned:
                warned.add(name)
                warnings.warn(
                    f"layer {name!r} runs more than once in one forward (a module reused in "
                    f"forward); it is measured at its last call only. Give each use its own "
                    f"module to measure every call",
                    stacklevel=2,
                )
            store[name] = kept.flatten(1) if flatten else kept

        return hook

    def reset_calls(_module, _inputs):
        calls.clear()

    def input_hook(_module, inputs):
        x = inputs[0].detach().clone()
        store[INPUT] = x.flatten(1) if flatten else x

    try:
        if any(name in modules for name in layers):  # ScriptModules take no hooks at all
            handles.append(model.register_forward_pre_hook(reset_calls))
        for name in layers:
            if name == INPUT:
                handles.append(model.register_forward_pre_hook(input_hook))
            elif name in modules:
                handles.append(modules[name].register_forward_hook(hook_for(name)))
        yield store
    finally:
        for h in handles:
            h.remove()


def read_layers(
    store: dict[str, torch.Tensor], names: Sequence[str], inputs: torch.Tensor, out
) -> dict[str, torch.Tensor]:
    """``{layer: activations}`` of one forward of ``inputs`` that returned ``out``."""
    acts = {}
    for name in names:
        if name == INPUT:
            acts[name] = inputs
        elif name == OUTPUT and name not in store:
            acts[name] = out.detach()
        elif name in store:
            acts[name] = store[name]
        else:
            raise ValueError(
                f"layer {name!r} did not run in the model's forward; choose layers that the "
                f"forward uses"
            )
    return acts


@torch.no_grad()
def forward_layers(
    model: nn.Module, x: torch.Tensor, layers: Sequence[str]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One forward pass: ``(output, {layer: (B, units)})``."""
    with recording(model, layers) as store:
        out = first_output(model(x.clone()))  # an in-place first op must not rewrite x
    acts = read_layers(store, layers, x.flatten(1), out)
    return out.detach(), {name: a.flatten(1) for name, a in acts.items()}


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for a parameterless model)."""
    for t in list(model.parameters()) + list(model.buffers()):
        return t.device
    return torch.device("cpu")


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Evaluation mode inside the block, the previous mode restored after."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
