"""Consistency of a classifier's predictions (Zhang 2019), exact over the grid.

``c = P[argmax f(g₁ x) = argmax f(g₂ x)]`` with ``g₁, g₂`` independent and uniform on the grid:
all ``T²`` ordered pairs of grid points of every input, ``g₁ = g₂`` included. For one input
whose trajectory predicts class ``k`` at ``n_k`` of the ``T`` points, the share of agreeing
pairs is ``Σ_k (n_k / T)²``; ``c`` is its mean over the inputs. 1 means the prediction never
changes along the grid. (The Monte Carlo estimator with one random pair per input is
:func:`invlab.measure.metrics.sampled.sampled_consistency`.)
"""

from __future__ import annotations

import torch

from invlab.measure.activations import OUTPUT
from invlab.measure.metrics.protocol import Metric


def agreement(logits: torch.Tensor) -> torch.Tensor:
    """Each input's share of agreeing grid pairs ``Σ_k (n_k / T)²``: ``(b,)`` from ``f(g_θ x)``
    of shape ``(b, T, classes)``; its mean over the inputs is the consistency.

    Examples:
        >>> agreement(torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]]]))
        tensor([0.5000, 1.0000], dtype=torch.float64)
    """
    b, t_len = logits.shape[:2]
    pred = logits.argmax(-1)  # (b, T)
    counts = torch.zeros(b, logits.shape[-1], dtype=torch.float64, device=pred.device)
    counts.scatter_add_(1, pred, torch.ones_like(pred, dtype=counts.dtype))
    return ((counts / t_len) ** 2).sum(1)


class ConsistencyAccumulator:
    """Running ``Σ_x Σ_k (n_k(x) / T)²`` over the model's predictions along the grid.

    Examples:
        >>> acc = ConsistencyAccumulator()
        >>> acc.add(torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]))  # one input, T = 2: 0 then 1
        >>> acc.result()
        0.5
    """

    first_pass = False
    feed = "trajectories"

    def __init__(self) -> None:
        self.agree = 0.0
        self.n = 0

    def update(self, view) -> None:
        """Feed one batch of :class:`invlab.measure.streaming.Trajectories`."""
        self.add(view.outputs()[1])

    def add(self, logits: torch.Tensor) -> None:
        """``logits``: ``f(g_θ x)`` of shape ``(b, T, classes)``."""
        self.agree += float(agreement(logits).sum())
        self.n += logits.shape[0]

    def result(self) -> float:
        return self.agree / self.n


METRIC = Metric(
    "consistency",
    lambda setup: {OUTPUT: ConsistencyAccumulator()},
    field="consistency",
    per_layer=False,
    needs_logits=True,
    rows=lambda value, profile: [(OUTPUT, "consistency", None, value)],
)
