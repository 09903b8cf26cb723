"""Accuracy along the transformation, exact over the grid.

``a(θ) = P_x[argmax f(g_θ x) = y]`` for each ``θ`` of the grid, over all ``N`` labelled inputs;
the summary is the mean over the grid (``g`` uniform on the grid). A flat curve is invariance.
"""

from __future__ import annotations

import numpy as np
import torch

from invlab._validation import check_labels
from invlab.measure.activations import OUTPUT
from invlab.measure.metrics.protocol import Metric, curve_rows


class AccuracyAccumulator:
    """Running count of correct predictions per grid point."""

    first_pass = False
    feed = "trajectories"

    def __init__(self, t_len: int) -> None:
        self.correct = torch.zeros(t_len, dtype=torch.float64)
        self.n = 0

    def update(self, view) -> None:
        """Feed one batch of :class:`invlab.measure.streaming.Trajectories`."""
        if view.y is None:
            raise ValueError("metric 'accuracy' needs labels: the data gave none")
        self.add(view.outputs()[1], view.y)

    def add(self, logits: torch.Tensor, y: torch.Tensor) -> None:
        """``logits``: ``f(g_θ x)``, ``(b, T, classes)``; ``y``: labels ``(b,)``."""
        check_labels(y, logits.shape[-1], "y")
        pred = logits.argmax(-1)  # (b, T)
        self.correct += (pred.cpu() == y.cpu().view(-1, 1)).sum(0).double()
        self.n += logits.shape[0]

    def result(self) -> np.ndarray:
        """``a(θ)`` per grid point, shape ``(T,)``."""
        return (self.correct / self.n).numpy()


METRIC = Metric(
    "accuracy",
    lambda setup: {OUTPUT: AccuracyAccumulator(setup.t_len)},
    field="accuracy",
    per_layer=False,
    needs_labels=True,
    needs_logits=True,
    rows=lambda curve, profile: curve_rows(OUTPUT, "accuracy", profile.param_labels(), curve),
)
