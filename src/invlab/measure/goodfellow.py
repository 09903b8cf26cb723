"""The invariance score of Goodfellow, Le, Saxe, Lee & Ng (NIPS 2009).

For unit ``i`` with threshold ``t_i`` set so that its global firing rate
``G(i) = P_x[h_i(x) > t_i]`` is ``firing_rate`` (1 %), the local firing rate is the fraction of
a trajectory ``T(z) = {g z : g ∈ grid}`` on which the unit still fires, averaged over the inputs
``z`` that make it fire: ``L(i) = E_{z: h_i(z) > t_i} mean_{g} 1[h_i(g z) > t_i]``. The unit's
score is ``S(i) = L(i) / G(i)``; a layer's score is the mean over its top ``top_fraction``
(20 %) units. A unit that fires on its whole trajectory scores ``1 / G = 100``; a unit whose
firing is unrelated to the transformation scores about ``1``.

Exact, not sampled: ``t_i`` is the ``(k+1)``-th largest activation over all ``N`` inputs
(``k = firing_rate · N``; with ties ``G`` is the exact fraction above ``t_i``), and ``L(i)``
averages over every grid point of every firing input's trajectory.

A unit may carry its information in negative excursions (a linear read-out or a pre-activation
layer): with ``polarity='both'`` each unit also enters as ``-h_i`` with its own threshold;
``'auto'`` keeps, per unit, the direction whose threshold lies farther from the unit's mean.
"""

from __future__ import annotations

import math

import torch

from invlab.measure.topk import RunningTopK, pairs_in

POLARITIES = ("positive", "both", "auto")


class GoodfellowAccumulator:
    """Per-unit scores ``S(i)`` of one layer, in two passes over the data.

    The first pass (:meth:`first`, untransformed inputs) keeps a running top-``(k+1)`` per unit:
    the exact thresholds and the firing ``(input, unit)`` pairs, ``O(k · U)`` memory. The
    trajectory pass (:meth:`update`) visits only those pairs.
    """

    first_pass = True

    def __init__(self, layer: str, n: int, firing_rate: float, polarity: str) -> None:
        if firing_rate * n < 1:
            raise ValueError(
                f"data has {n} inputs: too few for a firing rate of {firing_rate} (not one "
                f"input would fire); give at least {math.ceil(1 / firing_rate)}"
            )
        self.layer, self.n, self.polarity = layer, n, polarity
        k = max(1, round(firing_rate * n))
        signs = (1.0,) if polarity == "positive" else (1.0, -1.0)
        self.tails: list[RunningTopK] | None = [RunningTopK(k + 1, sign) for sign in signs]
        self.sum: torch.Tensor | None = None
        self.thresholds: list[torch.Tensor] | None = None
        self.local_sum: list[torch.Tensor] = []
        self.local_count: list[torch.Tensor] = []

    def first(self, acts: dict[str, torch.Tensor], start: int) -> None:
        """Feed the untransformed inputs ``start, start + 1, ...`` of the first pass."""
        h = acts[self.layer].flatten(1)
        for tail in self.tails:
            tail.update(h, start)
        s = h.sum(0).double()
        self.sum = s if self.sum is None else self.sum + s

    def _settle(self) -> None:
        """Thresholds, firing pairs and exact ``G`` from the first pass; drop its buffers."""
        self.thresholds = [tail.kth() for tail in self.tails]
        self.firing = [tail.firing(t) for tail, t in zip(self.tails, self.thresholds)]
        # exact G (ties included): the number of firing inputs per unit over N
        self.global_rate = [
            torch.bincount(u, minlength=tail.values.shape[1]).double().cpu() / self.n
            for tail, (_, u) in zip(self.tails, self.firing)
        ]
        self.tails = None  # the (k+1) × U buffers: only the firing pairs are needed from here

    def update(self, view) -> None:
        """Local firing of the firing inputs only: ``(input, unit)`` pairs, not ``b × U``."""
        if self.thresholds is None:
            self._settle()
        _, moved = view.layer(self.layer)
        b, t_len = moved.shape[:2]
        h = moved.reshape(b, t_len, -1)
        for side, (t, (rows, units)) in enumerate(zip(self.thresholds, self.firing)):
            rows, units = pairs_in(rows, units, view.start, b)
            if len(self.local_sum) <= side:
                self.local_sum.append(torch.zeros(h.shape[2], dtype=torch.float64))
                self.local_count.append(torch.zeros(h.shape[2], dtype=torch.float64))
            if rows.numel() == 0:
                continue
            path = h[rows, :, units]  # (m, T): each firing input's trajectory, its unit
            # side 0: h > t; side 1 (negative polarity): −h > t  ⇔  h < −t
            t_unit = t[units].unsqueeze(1)
            on = (path > t_unit) if side == 0 else (path < -t_unit)
            rate = on.sum(1).double().cpu() / t_len
            self.local_sum[side].index_add_(0, units.cpu(), rate)
            self.local_count[side].index_add_(0, units.cpu(), torch.ones_like(rate))

    def result(self) -> torch.Tensor:
        """``S(i)`` per unit, shape ``(U,)`` (``(2U,)`` for ``'both'``); NaN: never fires."""
        scores = []
        for g, local_sum, local_count in zip(self.global_rate, self.local_sum, self.local_count):
            s = (local_sum / local_count) / g
            s[(g == 0) | (local_count == 0)] = float("nan")
            scores.append(s.cpu())
        if self.polarity == "positive":
            return scores[0].float()
        if self.polarity == "both":
            return torch.cat(scores).float()
        # auto: the side whose threshold lies farther from the mean; a side that never fires
        # (e.g. the negative side of a ReLU) is never chosen.
        mean = (self.sum / self.n).cpu()
        reach_pos = self.thresholds[0].double().cpu() - mean
        reach_neg = self.thresholds[1].double().cpu() + mean
        pick_neg = (reach_neg > reach_pos) & ~torch.isnan(scores[1])
        pick_neg |= torch.isnan(scores[0]) & ~torch.isnan(scores[1])
        return torch.where(pick_neg, scores[1], scores[0]).float()


def layer_score(unit_scores: torch.Tensor, top_fraction: float = 0.2) -> float:
    """Mean of the top ``top_fraction`` of the valid (non-NaN) unit scores."""
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    valid = unit_scores[~torch.isnan(unit_scores)]
    if valid.numel() == 0:
        return float("nan")
    top = max(1, round(top_fraction * valid.numel()))
    return float(valid.topk(top).values.mean())
