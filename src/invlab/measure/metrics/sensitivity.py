"""Normalised sensitivity of a representation to a transformation, exact over the grid.

``s(θ) = E_x‖φ(g_θ x) − φ(x)‖² / E_{x ≠ x′}‖φ(x′) − φ(x)‖²`` for each ``θ`` of the grid;
the layer's value is the mean of ``s(θ)`` over the ``T`` grid points (``g`` uniform on the grid).
0 means invariant, about 1 means the transformation moves the representation as far as
replacing the input by another one.

The denominator is the average over all ordered pairs ``x ≠ x′`` of the ``N`` inputs,
``2N/(N−1) Σ_u Var φ_u``, from streamed sums: no random partner. (The Monte Carlo estimator
with one random ``g`` and one random partner per input is
:func:`invlab.measure.metrics.sampled.sampled_sensitivity`.)
"""

from __future__ import annotations

import numpy as np
import torch

from invlab.measure.metrics.protocol import Metric, curves_rows


class SensitivityAccumulator:
    """Running sums of one layer: ``Σ_x ‖φ(g_θ x) − φ(x)‖²`` per θ, and ``φ(x)``'s moments.

    Examples:
        >>> acc = SensitivityAccumulator("input", t_len=2)
        >>> base = torch.randn(8, 5)
        >>> acc.add(base, torch.stack([base, base], 1))  # an invariant layer
        >>> acc.result().tolist()
        [0.0, 0.0]
    """

    first_pass = False
    feed = "trajectories"

    def __init__(self, layer: str, t_len: int) -> None:
        self.layer = layer
        self.n = 0
        self.moved_sq = torch.zeros(t_len, dtype=torch.float64)
        self.centre: torch.Tensor | None = None  # first batch's mean, against cancellation
        self.sum = 0.0
        self.sum_sq = 0.0

    def update(self, view) -> None:
        """Feed one batch of :class:`invlab.measure.streaming.Trajectories`."""
        self.add(*view.layer(self.layer))

    def add(self, base: torch.Tensor, moved: torch.Tensor) -> None:
        """``base``: ``φ(x)`` of shape ``(b, ...)``; ``moved``: ``φ(g_θ x)``, ``(b, T, ...)``."""
        b, t_len = moved.shape[:2]
        fb = base.reshape(b, -1)
        diff = moved.reshape(b, t_len, -1) - fb.unsqueeze(1)
        # Per-batch sums in the activations' dtype (sums of squares: no cancellation),
        # accumulated over batches in float64; one fused norm pass over the difference.
        dist = torch.linalg.vector_norm(diff, dim=2)
        self.moved_sq += dist.square_().sum(0).double().cpu()
        if self.centre is None:
            self.centre = fb.mean(0)
        centred = fb - self.centre
        self.sum = self.sum + centred.sum(0).double()
        self.sum_sq += float(centred.square_().sum())
        self.n += b

    def between_inputs(self) -> float:
        """``E‖φ(x′) − φ(x)‖²`` over all ordered pairs ``x ≠ x′``: ``2N/(N−1) · Σ_u Var φ_u``."""
        n = self.n
        mean = self.sum / n
        return max(0.0, 2 * n / (n - 1) * (self.sum_sq / n - float(mean.pow(2).sum())))

    def result(self) -> np.ndarray:
        """``s(θ)`` per grid point, shape ``(T,)``; NaN where all inputs look the same."""
        between = self.between_inputs()
        if between <= 0:
            return np.full(self.moved_sq.shape[0], np.nan)
        return (self.moved_sq / self.n / between).numpy()


METRIC = Metric(
    "sensitivity",
    lambda setup: {name: SensitivityAccumulator(name, setup.t_len) for name in setup.layers},
    field="sensitivity",
    per_layer=True,
    rows=curves_rows("sensitivity"),
)
