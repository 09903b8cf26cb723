"""The invariance score of Goodfellow, Le, Saxe, Lee & Ng (NIPS 2009).

For unit ``i`` with threshold ``t_i`` set so that its global firing rate
``G(i) = P_x[h_i(x) > t_i]`` is ``firing_rate`` (1 %), the local firing rate is the fraction of
a trajectory ``T(z) = {g z : g ∈ grid}`` on which the unit still fires, averaged over the inputs
``z`` that make it fire: ``L(i) = E_{z: h_i(z) > t_i} mean_{g} 1[h_i(g z) > t_i]``. The unit's
score is ``S(i) = L(i) / G(i)``; a layer's score is the mean over its top ``top_fraction``
(20 %) units. A unit that fires on its whole trajectory scores ``1 / G = 100``; a unit whose
firing is unrelated to the transformation scores about ``1``.

Exact, not sampled: ``t_i`` is the ``(k+1)``-th largest activation over all ``N`` inputs
(``k = firing_rate · N``), and ``L(i)`` averages over every grid point of every firing input's
trajectory. Activations that tie at ``t_i`` above the unit's floor (few distinct values:
saturated integer pixels) fire with the probability that makes ``G(i) = k / N`` exactly, in
expectation (see :meth:`GoodfellowAccumulator.result`); without it, ``G`` would collapse to the
few inputs above the tie and ``S = L / G`` exceed ``1 / firing_rate``.

**Sparse units: no firing at the floor.** A unit can only fire where it is active: when its
threshold is its own minimum over the data (its floor: a ReLU's zero), i.e. the unit is above
its floor on ``m < k`` inputs only, it fires on exactly those ``m`` inputs, and on a trajectory
only where it is strictly above the floor. It is scored on those inputs, against the firing
rate asked for: ``S = L / G`` with ``L`` the mean trajectory firing of the ``m`` inputs and
``G = k / N``, so that ``S ≤ 1 / G`` for every unit, with equality for an invariant one. Crediting
its zeros as firing (ties broken at random, the rule before) made a zero-valued trajectory count
as invariance: a unit reading only one input sample scored 74 instead of 12 when active on
0.3 % of inputs, and unit scores correlated with sparsity. Dividing by the unit's own rate
``m / N`` instead would reward sparsity too: the trajectory's own start alone (``L ≥ 1/T``)
gives ``S ≥ N / (m T)``. A unit that is constant on the data (a dead ReLU: zero on every input)
prefers no input and is left out of the layer's score (NaN).

A unit may carry its information in negative excursions (a linear read-out or a pre-activation
layer): with ``polarity='both'`` each unit also enters as ``-h_i`` with its own threshold;
``'auto'`` keeps, per unit, the direction whose threshold lies farther from the unit's mean.
"""

from __future__ import annotations

import math

import torch

from invlab.measure.metrics.protocol import Metric
from invlab.measure.metrics.topk import RunningTopK, pairs_in

POLARITIES = ("positive", "both", "auto")


class GoodfellowAccumulator:
    """Per-unit scores ``S(i)`` of one layer, in two passes over the data.

    The first pass (:meth:`first`, untransformed inputs) keeps a running top-``(k+1)`` per unit:
    the exact thresholds and the firing ``(input, unit)`` pairs, ``O(k · U)`` memory. The
    trajectory pass (:meth:`update`) visits those pairs, and the inputs tied at a threshold.
    """

    first_pass = True
    feed = "trajectories"

    def __init__(self, layer: str, n: int, firing_rate: float, polarity: str) -> None:
        if firing_rate * n < 1:
            raise ValueError(
                f"data has {n} inputs: too few for a firing rate of {firing_rate} (not one "
                f"input would fire); give at least {math.ceil(1 / firing_rate)}"
            )
        self.layer, self.n, self.polarity = layer, n, polarity
        k = max(1, round(firing_rate * n))
        self.k = k
        signs = (1.0,) if polarity == "positive" else (1.0, -1.0)
        self.tails: list[RunningTopK] | None = [RunningTopK(k + 1, sign) for sign in signs]
        self.sum: torch.Tensor | None = None
        self.low: torch.Tensor | None = None  # per-unit range over the inputs: constant units
        self.high: torch.Tensor | None = None
        self.thresholds: list[torch.Tensor] | None = None
        self.sums: list[torch.Tensor] = []

    def first(self, acts: dict[str, torch.Tensor], start: int) -> None:
        """Feed the untransformed inputs ``start, start + 1, ...`` of the first pass."""
        h = acts[self.layer].flatten(1)
        for tail in self.tails:
            tail.update(h, start)
        s = h.sum(0).double()
        self.sum = s if self.sum is None else self.sum + s
        low, high = h.min(0).values, h.max(0).values
        self.low = low if self.low is None else torch.minimum(self.low, low)
        self.high = high if self.high is None else torch.maximum(self.high, high)

    def _settle(self) -> None:
        """Thresholds and the firing pairs from the first pass; drop its buffers."""
        self.thresholds = [tail.kth() for tail in self.tails]
        self.firing = [tail.firing(t) for tail, t in zip(self.tails, self.thresholds)]
        units = self.thresholds[0].numel()
        # per side: n_above, n_tied, Σ_above a, Σ_above e, Σ_tied a, Σ_tied e
        self.sums = [torch.zeros(6, units, dtype=torch.float64) for _ in self.thresholds]
        self.tails = None  # the (k+1) × U buffers: only the firing pairs are needed from here

    def update(self, view) -> None:
        """Per unit: the firing inputs' and the tied inputs' trajectory firing.

        ``s = sign · h``; an input fires when ``s > t`` (the first pass's ``(input, unit)``
        pairs, visited alone) and is tied when ``s == t`` (read from the untransformed rows of
        this pass). For each kind the sums of ``a = mean_g 1[s(gz) > t]`` and
        ``e = mean_g 1[s(gz) == t]`` over its trajectory are kept, so that :meth:`result`
        can give ties the weight that makes ``G`` exact.
        """
        if self.thresholds is None:
            self._settle()
        base, moved = view.layer(self.layer)
        b, t_len = moved.shape[:2]
        base, h = base.reshape(b, -1), moved.reshape(b, t_len, -1)
        for side, (t, (rows, units)) in enumerate(zip(self.thresholds, self.firing)):
            sign = 1.0 if side == 0 else -1.0
            sums = self.sums[side]
            rows, units = pairs_in(rows, units, view.start, b)
            if rows.numel():
                path = sign * h[rows, :, units]  # (m, T): each firing input's trajectory
                t_unit = t[units].unsqueeze(1)
                units_cpu = units.cpu().long()
                sums[0].index_add_(0, units_cpu, torch.ones(units.numel(), dtype=torch.float64))
                sums[2].index_add_(0, units_cpu, (path > t_unit).double().mean(1).cpu())
                sums[3].index_add_(0, units_cpu, (path == t_unit).double().mean(1).cpu())
            tied = sign * base == t  # (b, U)
            if bool(tied.any()):
                s = sign * h
                tied_d = tied.double()
                sums[1] += tied_d.sum(0).cpu()
                sums[4] += (tied_d * (s > t).double().mean(1)).sum(0).cpu()
                sums[5] += (tied_d * (s == t).double().mean(1)).sum(0).cpu()

    def result(self) -> torch.Tensor:
        """``S(i)`` per unit, shape ``(U,)`` (``(2U,)`` for ``'both'``); NaN: never fires, or
        takes the same value on every input (a constant unit, e.g. a dead ReLU, selects no
        input, and would otherwise score ``1 / G`` through its ties).

        A unit whose threshold is its floor (active on fewer than ``k`` inputs) fires only
        where ``s > t``: ``p = 0`` below, and ``G = k / N`` (see the module docstring). Other
        ties at the threshold (few distinct values: pixels) are broken at random,
        in expectation: a tied input (``s == t``) fires with probability
        ``p = (k − n_above) / n_tied``, so that exactly ``k`` inputs fire on average and
        ``G = k / N`` is the firing rate asked for. A tied input that fires keeps firing where
        its trajectory stays at the tie (its coin is its trajectory's); on a firing input's
        trajectory a point at the tie fires with probability ``p``. So
        ``L = (Σ_above (a + p e) + p Σ_tied (a + e)) / k``: without ties ``p = 0`` and this is
        the plain definition; with them ``S ≤ 1 / G`` still holds, with equality for an
        exactly invariant unit.
        """
        scores = []
        self.global_rate = []
        # A unit with one value on every input (a dead ReLU) has no preferred inputs: every
        # input ties, and the tie rule would score it 1 / G. It is left out (NaN) instead.
        constant = (self.high == self.low).cpu()
        for side, sums in enumerate(self.sums):
            n_above, n_tied, above_a, above_e, tied_a, tied_e = sums
            floor = self.low if side == 0 else -self.high  # the unit's minimum of s = ±h
            at_floor = (self.thresholds[side] == floor).cpu()
            p = ((self.k - n_above) / n_tied.clamp(min=1)).clamp(0, 1)
            p = torch.where((n_tied > 0) & ~at_floor, p, torch.zeros_like(p))
            fired = n_above + p * n_tied  # expected number of firing inputs
            local = above_a + p * above_e + p * (tied_a + tied_e)
            # G is the rate asked for, k / N (= fired / N wherever the unit reaches it)
            s = (local / fired.clamp(min=1e-300)) / (self.k / self.n)
            s[(fired <= 0) | constant] = float("nan")
            self.global_rate.append(fired / self.n)
            scores.append(s)
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


METRIC = Metric(
    "goodfellow",
    lambda setup: {
        name: GoodfellowAccumulator(
            name, setup.n, setup.options["firing_rate"], setup.options["polarity"]
        )
        for name in setup.layers
    },
    field="goodfellow_units",
    per_layer=True,
    # a layer's score: the mean of its top units (Profile.top_fraction of them)
    rows=lambda units, profile: [
        (n, "goodfellow", None, s) for n, s in profile.goodfellow().items()
    ],
)
