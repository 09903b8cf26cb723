"""The invariance score of Goodfellow, Le, Saxe, Lee & Ng (NIPS 2009).

For unit ``i`` with threshold ``t_i`` set so that its global firing rate
``G(i) = P_x[h_i(x) > t_i]`` is ``firing_rate`` (1 %), the local firing rate is the fraction of
a trajectory ``T(z) = {g z : g ∈ grid}`` on which the unit still fires, averaged over the inputs
``z`` that make it fire: ``L(i) = E_{z: h_i(z) > t_i} mean_{g} 1[h_i(g z) > t_i]``. The unit's
score is ``S(i) = L(i) / G(i)``; a layer's score is the mean over its top ``top_fraction``
(20 %) units. A unit that fires on its whole trajectory scores ``1 / G = 100``; a unit whose
firing is unrelated to the transformation scores about ``1``.

A unit may carry its information in negative excursions (a linear read-out or a pre-activation
layer): with ``polarity='both'`` each unit also enters as ``-h_i`` with its own threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.measure.activations import (
    batches,
    evaluating,
    forward_layers,
    resolve_layers,
)
from invlab.measure.checks import check_inputs
from invlab.transforms import Transform


@torch.no_grad()
def goodfellow_unit_scores(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    steps: int = 9,
    firing_rate: float = 0.01,
    polarity: str = "positive",
    batch_size: int = 256,
) -> dict[str, torch.Tensor]:
    """Per-unit scores ``S(i)`` for each layer.

    Args:
        model: any ``nn.Module``.
        x: inputs ``(N, ...)`` defining the global firing rate and the trajectories.
        transform: the transformation whose trajectories ``transform.grid(steps)`` are used.
        layers: ``'all'`` or layer names (see :func:`resolve_layers`).
        steps: points on each trajectory.
        firing_rate: target global firing rate ``G`` (0.01 in the paper).
        polarity: ``'positive'`` or ``'both'`` (also score ``-h``).
        batch_size: inputs per forward; each forward holds ``batch_size × T`` inputs.

    Returns:
        ``{layer: (U,) tensor}`` of scores; units that never fire (constant) are NaN.
    """
    x = check_inputs(model, x, transform)
    check_int(steps, "steps", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    check_choice(polarity, "polarity", ("positive", "both"))
    if not 0 < firing_rate < 1:
        raise ValueError(f"firing_rate must be in (0, 1), got {firing_rate}")
    names = resolve_layers(model, layers)
    n = x.shape[0]
    k = max(1, round(firing_rate * n))
    if k >= n:
        raise ValueError(
            f"x has {n} inputs: too few for a firing rate of {firing_rate}; give at least "
            f"{int(2 / firing_rate)}"
        )

    with evaluating(model):
        # Pass 1: thresholds from the untransformed inputs.
        acts: dict[str, list[torch.Tensor]] = {name: [] for name in names}
        for sl in batches(n, batch_size):
            _, out = forward_layers(model, x[sl], names)
            for name in names:
                acts[name].append(_polar(out[name], polarity))
        thresholds, fires, global_rate = {}, {}, {}
        for name in names:
            h = torch.cat(acts[name])  # (N, U)
            t = h.topk(k + 1, dim=0).values[-1]  # (k+1)-th largest: k values lie above it
            thresholds[name] = t
            fires[name] = h > t
            global_rate[name] = fires[name].double().mean(0)
        del acts

        # Pass 2: local firing along each firing input's trajectory.
        grid = transform.grid(steps).to(x.device)
        t_len = grid.shape[0]
        local_sum = {name: torch.zeros_like(global_rate[name]) for name in names}
        local_count = {name: torch.zeros_like(global_rate[name]) for name in names}
        for sl in batches(n, max(1, batch_size // t_len)):
            xb = x[sl]
            b = xb.shape[0]
            moved = transform.apply(
                xb.repeat_interleave(t_len, 0), grid.repeat(b, 1)
            )  # (b·T, ...), sample-major
            _, out = forward_layers(model, moved, names)
            for name in names:
                h = _polar(out[name], polarity).reshape(b, t_len, -1)
                on_path = (h > thresholds[name]).double().mean(1)  # (b, U)
                firing = fires[name][sl].double()  # (b, U)
                local_sum[name] += (firing * on_path).sum(0)
                local_count[name] += firing.sum(0)

    scores = {}
    for name in names:
        g = global_rate[name]
        local = local_sum[name] / local_count[name]
        s = local / g
        s[(g == 0) | (local_count[name] == 0)] = float("nan")
        scores[name] = s.float()
    return scores


def layer_score(unit_scores: torch.Tensor, top_fraction: float = 0.2) -> float:
    """Mean of the top ``top_fraction`` of the valid (non-NaN) unit scores."""
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    valid = unit_scores[~torch.isnan(unit_scores)]
    if valid.numel() == 0:
        return float("nan")
    top = max(1, round(top_fraction * valid.numel()))
    return float(valid.topk(top).values.mean())


def goodfellow_scores(
    model: nn.Module,
    x: torch.Tensor,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    steps: int = 9,
    firing_rate: float = 0.01,
    top_fraction: float = 0.2,
    polarity: str = "positive",
    batch_size: int = 256,
) -> pd.DataFrame:
    """Layer scores of Goodfellow et al. (2009) as a DataFrame ``(layer, metric, value)``.

    Examples:
        >>> from invlab.invariants import FourierModulus
        >>> from invlab.transforms import Shift
        >>> m = nn.Sequential(FourierModulus())
        >>> df = goodfellow_scores(m, torch.randn(500, 1, 32), Shift(8), layers=["0"])
        >>> round(df.value.iloc[0])  # exactly invariant: 1 / G = 100
        100
    """
    per_unit = goodfellow_unit_scores(
        model,
        x,
        transform,
        layers,
        steps=steps,
        firing_rate=firing_rate,
        polarity=polarity,
        batch_size=batch_size,
    )
    rows = [
        {"layer": name, "metric": "goodfellow", "value": layer_score(s, top_fraction)}
        for name, s in per_unit.items()
    ]
    return pd.DataFrame(rows, columns=["layer", "metric", "value"])


def _polar(h: torch.Tensor, polarity: str) -> torch.Tensor:
    h = h.double()
    return torch.cat([h, -h], dim=1) if polarity == "both" else h
