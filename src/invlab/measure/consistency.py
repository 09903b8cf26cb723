"""Consistency of a classifier's predictions (Zhang 2019), exact over the grid.

``c = P[argmax f(g₁ x) = argmax f(g₂ x)]`` with ``g₁, g₂`` independent and uniform on the grid:
all ``T²`` ordered pairs of grid points of every input, ``g₁ = g₂`` included. For one input
whose trajectory predicts class ``k`` at ``n_k`` of the ``T`` points, the share of agreeing
pairs is ``Σ_k (n_k / T)²``; ``c`` is its mean over the inputs. 1 means the prediction never
changes along the grid. (The Monte Carlo estimator with one random pair per input is
:func:`invlab.measure.sampled.sampled_consistency`.)
"""

from __future__ import annotations

import torch


class ConsistencyAccumulator:
    """Running ``Σ_x Σ_k (n_k(x) / T)²`` over the model's predictions along the grid.

    Examples:
        >>> acc = ConsistencyAccumulator()
        >>> acc.add(torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]))  # one input, T = 2: 0 then 1
        >>> acc.result()
        0.5
    """

    first_pass = False

    def __init__(self) -> None:
        self.agree = 0.0
        self.n = 0

    def update(self, view) -> None:
        """Feed one batch of :class:`invlab.measure.streaming.Trajectories`."""
        self.add(view.outputs()[1])

    def add(self, logits: torch.Tensor) -> None:
        """``logits``: ``f(g_θ x)`` of shape ``(b, T, classes)``."""
        b, t_len = logits.shape[:2]
        pred = logits.argmax(-1)  # (b, T)
        counts = torch.zeros(b, logits.shape[-1], device=pred.device)
        counts.scatter_add_(1, pred, torch.ones_like(pred, dtype=counts.dtype))
        self.agree += float(((counts / t_len) ** 2).sum())
        self.n += b

    def result(self) -> float:
        return self.agree / self.n
