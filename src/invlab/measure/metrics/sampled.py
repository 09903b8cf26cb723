"""Monte Carlo estimators: one random transformation (and partner) per input.

The exact grid estimators (:func:`invlab.measure.sensitivity`,
:func:`invlab.measure.consistency`) average over the grid ``transform.grid(steps)``. These
draw ``g`` from ``transform.sample``
instead, so they estimate the expectation under the transformation's own distribution (every
integer shift of a ``Shift``, a continuous angle of a ``Rotate``), seeded:

* ``sampled_sensitivity``: ``Σ_x ‖φ(g_x x) − φ(x)‖² / Σ_x ‖φ(x′_x) − φ(x)‖²`` with one random
  ``g_x`` and one random partner ``x′_x ≠ x`` per input;
* ``sampled_consistency``: ``mean_x 1[argmax f(g₁ x) = argmax f(g₂ x)]`` with two independent
  random ``g₁, g₂`` per input.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd
import torch
from torch import nn

from invlab._validation import check_int, check_tensor, first_output, match_dtype, model_dtype
from invlab.measure.activations import evaluating, forward_layers, model_device, resolve_layers
from invlab.transforms import Transform


@torch.no_grad()
def sampled_sensitivity(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    seed: int = 0,
    batch_size: int = 512,
) -> pd.DataFrame:
    """Per-layer sensitivity from random draws, as a DataFrame ``(layer, metric, value)``.

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
        >>> df = sampled_sensitivity(nn.Sequential(FourierModulus()), torch.randn(64, 1, 32),
        ...                          Shift(8))
        >>> float(df.set_index("layer").value["0"]) < 1e-10
        True
    """
    x = _check_inputs(model, x, transform)
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
        for sl in _slices(n, batch_size):
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


@torch.no_grad()
def sampled_consistency(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    *,
    seed: int = 0,
    batch_size: int = 512,
) -> float:
    """Zhang (2019) from random draws: ``P[argmax f(g₁ x) = argmax f(g₂ x)]``, ``g₁, g₂`` random.

    Examples:
        >>> from invlab.transforms import Shift
        >>> sampled_consistency(nn.Flatten(), torch.randn(100, 1, 16), Shift(4)) < 1
        True
    """
    x = _check_inputs(model, x, transform)
    check_int(batch_size, "batch_size", minimum=1)
    gen = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    p1, p2 = transform.sample(n, generator=gen), transform.sample(n, generator=gen)
    agree = 0
    with evaluating(model):
        for sl in _slices(n, batch_size):
            xb = x[sl]
            a = first_output(model(transform.apply(xb, p1[sl].to(x.device)))).argmax(1)
            b = first_output(model(transform.apply(xb, p2[sl].to(x.device)))).argmax(1)
            agree += int((a == b).sum())
    return agree / n


def _check_inputs(model: nn.Module, x: torch.Tensor, transform: Transform) -> torch.Tensor:
    """Check ``model``, the data ``x`` and ``transform`` together and return ``x``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    x = check_tensor(x, "x", min_dim=2, finite=True)
    if not isinstance(transform, Transform):
        raise TypeError(f"transform must be an invlab Transform, got {type(transform)}")
    if x.dim() < transform.spatial_dims + 1:
        raise ValueError(
            f"transform acts on {transform.spatial_dims} spatial dimension(s) but x has "
            f"shape {tuple(x.shape)}"
        )
    device = model_device(model)
    if x.device != device:
        raise ValueError(
            f"x is on {x.device} but the model is on {device}; move one with .to(device)"
        )
    if bool((transform.grid(2) == transform.identity_params()).all()):
        raise ValueError(
            f"{transform!r} can only draw the identity: every model would look perfectly "
            f"invariant; give it a parameter range with low < high"
        )
    return match_dtype(x, model_dtype(model), "x")


def _slices(n: int, batch_size: int) -> Iterator[slice]:
    for start in range(0, n, batch_size):
        yield slice(start, min(n, start + batch_size))
