"""Normalised sensitivity of a representation to a transformation.

``sensitivity(φ) = E‖φ(g x) − φ(x)‖² / E‖φ(x′) − φ(x)‖²`` with ``g`` random and ``x′`` another
input: 0 means invariant, about 1 means the transformation moves the representation as far as
replacing the input by another one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import nn

from invlab._validation import check_int
from invlab.measure.activations import batches, evaluating, forward_layers, resolve_layers
from invlab.measure.checks import check_inputs
from invlab.transforms import Transform


@torch.no_grad()
def sensitivity(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    seed: int = 0,
    batch_size: int = 512,
) -> pd.DataFrame:
    """Per-layer normalised sensitivity as a DataFrame ``(layer, metric, value)``.

    Args:
        model: any ``nn.Module``.
        x: inputs ``(N, ...)``, ``N >= 2``.
        transform: transformation with random parameters drawn from ``seed``.
        layers: ``'all'`` or layer names.
        seed: seed of the transformation parameters and of the pairing ``x → x′``.
        batch_size: inputs per forward (each forward holds ``3 × batch_size`` inputs).

    Examples:
        >>> from invlab.invariants import FourierModulus
        >>> from invlab.transforms import Shift
        >>> df = sensitivity(nn.Sequential(FourierModulus()), torch.randn(64, 1, 32), Shift(8))
        >>> float(df.set_index("layer").value["0"]) < 1e-10
        True
    """
    x = check_inputs(model, x, transform)
    check_int(batch_size, "batch_size", minimum=2)
    if x.shape[0] < 2:
        raise ValueError("x needs at least 2 inputs to compare one input with another")
    names = resolve_layers(model, layers)
    gen = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    partner = (torch.arange(n) + 1 + torch.randint(n - 1, (n,), generator=gen)) % n
    params = transform.sample(n, generator=gen)
    moved_sum = dict.fromkeys(names, 0.0)
    other_sum = dict.fromkeys(names, 0.0)
    with evaluating(model):
        for sl in batches(n, batch_size):
            xb = x[sl]
            b = xb.shape[0]
            moved = transform.apply(xb, params[sl].to(x.device))
            other = x[partner[sl].to(x.device)]
            _, out = forward_layers(model, torch.cat([xb, moved, other]), names)
            for name in names:
                h = out[name].double()
                base, h_moved, h_other = h[:b], h[b : 2 * b], h[2 * b :]
                moved_sum[name] += float(((h_moved - base) ** 2).sum())
                other_sum[name] += float(((h_other - base) ** 2).sum())
    rows = []
    for name in names:
        value = moved_sum[name] / other_sum[name] if other_sum[name] > 0 else float("nan")
        rows.append({"layer": name, "metric": "sensitivity", "value": value})
    return pd.DataFrame(rows, columns=["layer", "metric", "value"])
