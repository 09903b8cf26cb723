"""Dead ReLU units: the units of a layer that are zero on every input measured.

A ReLU unit u (one coordinate of a ReLU's output: a neuron of a dense layer, one channel at
one position of a convolution) is dead on the inputs X when

    max_{x ∈ X} relu(z_u(x)) = 0,

i.e. its pre-activation is ≤ 0 on all of them: it passes no signal and no gradient on X, so
the layer's effective width is its width minus its dead units. A layer of a model is one of
:func:`~invlab.measure.layer_names`; its units are those of every ``nn.ReLU`` inside it (a
layer with none is not reported). A ReLU module that runs several times in one forward (a
shared stage applied to each level of a pyramid) has distinct units at each call: call k of every
forward is counted as its own set of units.
"""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_int, check_tensor, match_dtype, model_dtype
from invlab.measure.activations import evaluating, layer_names, model_device


@torch.no_grad()
def dead_units(
    model: nn.Module, x: torch.Tensor, batch_size: int = 256
) -> dict[str, tuple[int, int]]:
    """Count, per layer, the ReLU units that are zero on every input of ``x``.

    Evaluation mode (batch norm uses its running statistics, as at measurement).

    Args:
        model: any module; its layers are :func:`~invlab.measure.layer_names`'s.
        x: the inputs ``(N, ...)`` the units are judged on.
        batch_size: inputs per forward.

    Returns:
        ``{layer: (dead, units)}`` for each layer holding at least one ``nn.ReLU``, input to
        output: ``units`` counts every coordinate of its ReLUs' outputs.

    Shape:
        ``x``: ``(N, *in_shape)`` with ``N >= 1``.

    Examples:
        >>> import torch
        >>> from torch import nn
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        ...     _ = net[0].bias.copy_(torch.tensor([0.0, 0.0, -1.0]))
        >>> dead_units(net, torch.rand(10, 2))
        {'1': (1, 3)}
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    x = check_tensor(x, "x", min_dim=2, finite=True)
    check_int(batch_size, "batch_size", minimum=1)
    x = match_dtype(x, model_dtype(model), "x")
    names = set(dict(model.named_modules()))
    relus = {
        layer: [m for m in model.get_submodule(layer).modules() if isinstance(m, nn.ReLU)]
        for layer in layer_names(model)
        if layer in names
    }
    relus = {layer: found for layer, found in relus.items() if found}
    alive: dict[tuple[int, int], torch.Tensor] = {}
    calls: dict[int, int] = {}  # calls of each ReLU so far in the current forward

    def record(module, _inputs, output):
        fired = (output.flatten(1) > 0).any(0)
        key = (id(module), calls.get(id(module), 0))
        calls[id(module)] = key[1] + 1
        alive[key] = fired if key not in alive else alive[key] | fired

    handles = [r.register_forward_hook(record) for found in relus.values() for r in found]
    try:
        with evaluating(model):
            device = model_device(model)
            for xb in x.split(batch_size):
                calls.clear()
                model(xb.to(device))
    finally:
        for handle in handles:
            handle.remove()
    counts = {}
    for layer, found in relus.items():
        ids = {id(r) for r in found}
        seen = [a for (owner, _), a in alive.items() if owner in ids]
        dead = sum(int((~a).sum()) for a in seen)
        counts[layer] = (dead, sum(a.numel() for a in seen))
    return counts
