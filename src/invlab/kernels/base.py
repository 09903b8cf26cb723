"""What every infinite-width kernel shares: argument checks, blocking, the progress line.

A kernel ``k`` maps two batches of inputs to the ``(n₁, n₂)`` matrix ``k(x₁[a], x₂[b])``. It is
computed block by block over pairs of inputs, so that the memory a block needs (for a CNN with
global average pooling, a spatial covariance per pair) is bounded by ``block_size`` and not by
``n₁·n₂``. With ``x₂`` omitted the matrix is symmetric and only the blocks on and above the
diagonal are computed.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import torch
from torch import nn

from invlab._validation import check_choice, check_int, check_positive, check_tensor

KINDS = ("nngp", "ntk", "both")


class Kernel(nn.Module):
    """Base class: ``k(x1, x2=None, kind='nngp')`` returns the ``(n1, n2)`` kernel matrix.

    Subclasses implement :meth:`_check_shape` (the trailing shape an input must have),
    :meth:`_prepare` (per-input quantities, computed once per call, e.g. the variances of every
    layer) and :meth:`_pairs` (the NNGP and NTK of one block of pairs), and may override
    :meth:`_pair_cost` (how many numbers one pair holds at a time, for the default block size).

    Args:
        block_size: inputs per block on each side (``None``: chosen so that one block holds
            about ``2²¹`` numbers per intermediate array).
        dtype: the dtype of the computation and of the result (float64 by default).
        progress: print a progress line on stderr: ``True``, ``False`` or ``None`` (only when
            the computation runs longer than two seconds).
        threads: blocks computed concurrently (``None``: ``torch.get_num_threads()``). Each
            block runs single-threaded, so no operation waits at a barrier for a thread the
            operating system has not scheduled (on a loaded machine torch's intra-op threads
            made small blocks up to 10× slower here); torch's thread count is restored after.
    """

    def __init__(
        self,
        *,
        block_size: int | None = None,
        dtype: torch.dtype = torch.float64,
        progress: bool | None = None,
        threads: int | None = None,
    ) -> None:
        super().__init__()
        if threads is not None:
            check_int(threads, "threads", minimum=1)
        if block_size is not None:
            check_int(block_size, "block_size", minimum=1)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"progress must be True, False or None, got {progress!r}")
        self.block_size = block_size
        self.dtype = dtype
        self.progress = progress
        self.threads = threads

    # -- to implement --------------------------------------------------------------------

    def _check_shape(self, x: torch.Tensor, name: str) -> None:
        """Raise if ``x`` (already a floating tensor) has the wrong shape for this kernel."""

    def _prepare(self, x: torch.Tensor) -> Any:
        """Per-input quantities, computed once per call; sliced with :meth:`_take`."""
        raise NotImplementedError

    def _take(self, prepared: Any, rows: slice) -> Any:
        """The prepared quantities of ``x[rows]``."""
        if isinstance(prepared, torch.Tensor):
            return prepared[rows]
        return type(prepared)(self._take(p, rows) for p in prepared)

    def _pairs(self, p1: Any, p2: Any, ntk: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """NNGP (and NTK if ``ntk``) of every pair of the two prepared blocks."""
        raise NotImplementedError

    def _pair_cost(self, x: torch.Tensor) -> int:
        """Numbers one pair holds in an intermediate array (1 for an MLP)."""
        return 1

    # -- public --------------------------------------------------------------------------

    def forward(
        self, x1: torch.Tensor, x2: torch.Tensor | None = None, kind: str = "nngp"
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The kernel matrix between ``x1`` and ``x2`` (``x1`` itself when omitted).

        Args:
            x1: ``(n1, ...)`` inputs.
            x2: ``(n2, ...)`` inputs with the same trailing shape, or ``None``.
            kind: ``'nngp'``, ``'ntk'``, or ``'both'`` (a tuple ``(nngp, ntk)``, for the
                price of the NTK alone).

        Returns:
            ``(n1, n2)`` in :attr:`dtype`, on ``x1``'s device.
        """
        check_choice(kind, "kind", KINDS)
        x1 = self._check_input(x1, "x1")
        symmetric = x2 is None
        if not symmetric:
            x2 = self._check_input(x2, "x2")
            if x2.shape[1:] != x1.shape[1:]:
                raise ValueError(
                    f"x1 and x2 must have the same trailing shape (everything after the batch "
                    f"dimension), got x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)}"
                )
            if x2.device != x1.device:
                raise ValueError(f"x1 is on {x1.device} but x2 is on {x2.device}")
        ntk = kind != "nngp"
        x1 = x1.to(self.dtype)
        p1 = self._prepare(x1)
        if symmetric:
            x2, p2 = x1, p1
        else:
            x2 = x2.to(self.dtype)
            p2 = self._prepare(x2)
        n1, n2 = x1.shape[0], x2.shape[0]
        nngp_out = torch.empty(n1, n2, dtype=self.dtype, device=x1.device)
        ntk_out = torch.empty_like(nngp_out) if ntk else None
        block = self.block_size or _default_block(self._pair_cost(x1))
        tiles = list(_tiles(n1, n2, block, symmetric))
        bar = _Progress(len(tiles), type(self).__name__, self.progress)
        lock = threading.Lock()

        def work(tile: tuple[slice, slice]) -> None:
            rows, cols = tile
            nngp, theta = self._pairs(self._take(p1, rows), self._take(p2, cols), ntk)
            nngp_out[rows, cols] = nngp
            if ntk:
                ntk_out[rows, cols] = theta
            if symmetric and rows != cols:
                nngp_out[cols, rows] = nngp.T
                if ntk:
                    ntk_out[cols, rows] = theta.T
            with lock:
                bar.step()

        if x1.device.type != "cpu":
            for tile in tiles:
                work(tile)
        else:
            before = torch.get_num_threads()
            workers = min(self.threads or before, len(tiles))
            torch.set_num_threads(1)
            try:
                if workers == 1:
                    for tile in tiles:
                        work(tile)
                else:
                    with ThreadPoolExecutor(workers) as pool:
                        list(pool.map(work, tiles))
            finally:
                torch.set_num_threads(before)
        bar.close()
        if kind == "nngp":
            return nngp_out
        if kind == "ntk":
            return ntk_out
        return nngp_out, ntk_out

    def _check_input(self, x: Any, name: str) -> torch.Tensor:
        x = check_tensor(x, name, min_dim=2, finite=True)
        if x.is_complex():
            raise TypeError(f"{name} must be real (float32 or float64), got {x.dtype}")
        self._check_shape(x, name)
        return x


def check_std(value: Any, name: str) -> float:
    """A standard deviation: a finite number ``>= 0``."""
    return check_positive(value, name, strict=False)


def _default_block(pair_cost: int) -> int:
    # About 2¹⁸ numbers (2 MiB in float64) per intermediate array of a block: large enough
    # that torch's per-call overhead (~10 µs) vanishes, small enough that the dozen arrays of a
    # layer stay in the caches (measured: 12 pairs a side 2× faster than 64 for MNIST-1D GAP).
    return max(1, min(4096, math.isqrt(max(1, (1 << 18) // max(1, pair_cost)))))


def _tiles(n1: int, n2: int, block: int, symmetric: bool) -> Iterator[tuple[slice, slice]]:
    for i in range(0, n1, block):
        rows = slice(i, min(i + block, n1))
        for j in range(i if symmetric else 0, n2, block):
            yield rows, slice(j, min(j + block, n2))


class _Progress:
    """A one-line ``\\r`` progress report on stderr, shown once a computation passes 2 s."""

    def __init__(self, total: int, label: str, enabled: bool | None) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.done = 0
        self.start = self.last = time.perf_counter()
        self.shown = False

    def step(self) -> None:
        self.done += 1
        if self.enabled is False or self.total <= 1:
            return
        now = time.perf_counter()
        if self.enabled is None and now - self.start < 2.0:
            return
        if now - self.last < 0.5 and self.done < self.total:
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed / self.done * (self.total - self.done)
        sys.stderr.write(
            f"\r{self.label}: {self.done}/{self.total} blocks, {elapsed:.0f} s, ~{left:.0f} s left"
        )
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
