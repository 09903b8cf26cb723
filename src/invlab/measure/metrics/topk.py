"""A running top-``k`` per column: Goodfellow's exact thresholds without storing activations."""

from __future__ import annotations

import torch


class RunningTopK:
    """The ``k`` largest values of ``sign · h`` per column seen so far, with their rows.

    Memory is ``O((k + merge_rows) × U)`` whatever the number of rows fed in: rows wait in a
    buffer until it holds ``merge_rows`` rows (``4k`` candidate rows once ``k`` values are
    kept), then the buffer and the kept values are merged
    and the top ``k`` kept again (one selection over many rows is several times cheaper per
    row than one per small batch). Once ``k`` values are kept per column, only values beyond
    the column's current ``k``-th can still enter (the kept ones stay a valid top ``k`` of
    everything seen, so the result is exact): a batch is reduced to those candidates, ``c``
    rows per column where ``c`` is the largest count of candidates in a column, before it
    is buffered, and a batch with none is skipped. ``sign=-1`` keeps the ``k`` smallest
    values of ``h`` (the largest of ``−h``) without negating the batch.
    """

    def __init__(self, k: int, sign: float = 1.0, merge_rows: int = 1024) -> None:
        self.k = k
        self.sign = sign
        self.merge_rows = max(merge_rows, 4 * k)
        self.values: torch.Tensor | None = None  # (≤k, U), values of h (not sign · h)
        self.index: torch.Tensor | None = None  # (≤k, U) global row of each kept value
        self._floor: torch.Tensor | None = None  # (U,) the kept k-th value, once k are kept
        # (values (r, U), global rows: (r,) for whole rows or (r, U) for compacted ones)
        self._pending: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._pending_rows = 0
        # once a floor is known: merge when 4·k candidate rows wait (each merge raises the
        # floor), and compact a batch when its candidates fit in a quarter of its rows
        self._merge_after_floor = 4 * k

    def update(self, h: torch.Tensor, start: int) -> None:
        """Feed rows ``h`` of shape ``(b, U)`` whose first row has global index ``start``."""
        rows = None
        if self._floor is not None:
            above = h > self._floor if self.sign > 0 else h < self._floor
            counts = above.sum(0, dtype=torch.int32)
            c = int(counts.max())
            if c == 0:
                return
            if 4 * c <= h.shape[0]:
                h, rows = self._compact(h, above, counts, c, start)
        if rows is None:
            rows = torch.arange(start, start + h.shape[0], device=h.device)
        self._pending.append((h, rows))
        self._pending_rows += h.shape[0]
        budget = self.merge_rows if self._floor is None else self._merge_after_floor
        if self._pending_rows >= budget:
            self._merge()

    def _compact(self, h, above, counts, c, start):
        """The candidates of each column in ``c`` rows, padded with values that never enter."""
        u, r = above.t().nonzero(as_tuple=True)  # column-major: each column's rows in order
        first = torch.zeros(h.shape[1], dtype=torch.long, device=h.device)
        first[1:] = counts.cumsum(0)[:-1]
        slot = torch.arange(r.numel(), device=h.device) - first[u]  # rank in its column
        fill = float("-inf") if self.sign > 0 else float("inf")
        values = h.new_full((c, h.shape[1]), fill)
        values[slot, u] = h[r, u]
        rows = torch.zeros((c, h.shape[1]), dtype=torch.long, device=h.device)
        rows[slot, u] = r + start
        return values, rows

    def _merge(self) -> None:
        if not self._pending:
            return
        # values with their own (r, U) rows (the kept ones, compacted batches) first, then
        # whole rows with one global row each; the order does not change the result (only
        # values strictly beyond the final k-th count, and all of them are kept)
        kept = [] if self.values is None else [(self.values, self.index)]
        per_value = kept + [(h, r) for h, r in self._pending if r.dim() == 2]
        whole = [(h, r) for h, r in self._pending if r.dim() == 1]
        h = torch.cat([v for v, _ in per_value] + [v for v, _ in whole])
        if h.shape[0] > self.k:
            h, pos = h.topk(self.k, dim=0, largest=self.sign > 0, sorted=False)
        else:
            pos = torch.arange(h.shape[0], device=h.device).unsqueeze(1).expand_as(h)
        # the global row of each kept value; no (rows × U) index of whole rows is built
        split = sum(v.shape[0] for v, _ in per_value)
        index = None
        if per_value:
            rows = torch.cat([r for _, r in per_value])
            index = rows.gather(0, pos.clamp(max=split - 1))
        if whole:
            rows = torch.cat([r for _, r in whole])
            found = rows[(pos - split).clamp(min=0)]
            index = found if index is None else torch.where(pos < split, index, found)
        self.values, self.index = h, index
        self._pending, self._pending_rows = [], 0
        if h.shape[0] == self.k:
            self._floor = h.min(0).values if self.sign > 0 else h.max(0).values

    def kth(self) -> torch.Tensor:
        """The ``k``-th largest value of ``sign · h`` per column, shape ``(U,)``."""
        self._merge()
        return (self.sign * self.values).min(0).values

    def firing(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rows, units)`` of the kept entries with ``sign · h > t``, sorted by row."""
        self._merge()
        above = self.sign * self.values > t
        rows, units = self.index[above], above.nonzero()[:, 1]
        order = rows.argsort(stable=True)
        # int32: these pairs are the O(k·U) state kept through the trajectory pass
        return rows[order].int(), units[order].int()


def pairs_in(
    rows: torch.Tensor, units: torch.Tensor, start: int, b: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``(row − start, unit)`` pairs whose row lies in ``[start, start + b)``."""
    lo = int(torch.searchsorted(rows, start))
    hi = int(torch.searchsorted(rows, start + b))
    return rows[lo:hi] - start, units[lo:hi]
