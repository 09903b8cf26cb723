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
        polarity: ``'positive'``, ``'both'`` (also score ``-h``) or ``'auto'`` (each unit in
            the direction of its larger tail; see :func:`invlab.measure.profile`).
        batch_size: about this many inputs per forward (``batch_size // T`` trajectories).

    Memory: a running top-``(k+1)`` per unit, ``k = firing_rate · N``, i.e.
    ``O(firing_rate · N · U)``; the trajectories are streamed.

    Returns:
        ``{layer: (U,) tensor}`` of scores; units that never fire (constant) are NaN.
    """
    # The streaming engine (running top-(k+1) thresholds, one forward per trajectory batch)
    # lives in profiling.py, which imports layer_score from here: import it late.
    from invlab.measure.profiling import compute_profile

    check_int(batch_size, "batch_size", minimum=1)
    t_len = transform.grid(check_int(steps, "steps", minimum=1)).shape[0]
    result = compute_profile(
        model,
        check_inputs(model, x, transform),
        transform,
        layers,
        metrics=["goodfellow"],
        steps=steps,
        batch_size=max(1, batch_size // t_len),
        firing_rate=firing_rate,
        polarity=check_choice(polarity, "polarity", ("positive", "both", "auto")),
    )
    return result.goodfellow_units


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
