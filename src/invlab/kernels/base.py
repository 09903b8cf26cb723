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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict, Unpack

import torch
from torch import nn

from invlab._validation import check_choice, check_int, check_tensor

KINDS = ("nngp", "ntk", "both")


class ComputeOptions(TypedDict, total=False):
    """How a kernel is computed (not what it is): the keyword arguments of :class:`Kernel`,
    which every kernel and functional twin takes (defaults: :func:`check_options`')."""

    block_size: int | None
    dtype: torch.dtype
    progress: bool | None
    threads: int | None


class Kernel(nn.Module):
    """Base class: ``k(x1, x2=None, kind='nngp')`` returns the ``(n1, n2)`` kernel matrix.

    Holds the computation options shared by every kernel; a subclass stores its
    hyper-parameters and calls its functional twin (which calls :func:`blocked_kernel`).

    Args:
        block_size: inputs per block on each side (``None``: chosen so that one block holds
            about ``2¹⁸`` numbers per intermediate array).
        dtype: the dtype of the computation and of the result (float64 by default).
        progress: print a progress line on stderr: ``True``, ``False`` or ``None`` (only when
            the computation runs longer than two seconds).
        threads: blocks computed concurrently (``None``: ``torch.get_num_threads()``). Each
            block runs single-threaded, so no operation waits at a barrier for a thread the
            operating system has not scheduled (on a loaded machine torch's intra-op threads
            made small blocks up to 10× slower here); torch's thread count is restored after.
    """

    def __init__(self, **options: Unpack[ComputeOptions]) -> None:
        super().__init__()
        checked = check_options(**options)
        self.block_size, self.dtype = checked["block_size"], checked["dtype"]
        self.progress, self.threads = checked["progress"], checked["threads"]

    def options(self) -> dict[str, Any]:
        """The computation options, to pass on to a functional twin."""
        return {
            "block_size": self.block_size,
            "dtype": self.dtype,
            "progress": self.progress,
            "threads": self.threads,
        }

    def _check_shape(self, x: torch.Tensor, name: str) -> None:
        """Raise if ``x`` (already a floating tensor) has the wrong shape for this kernel."""

    def _check_input(self, x: Any, name: str) -> torch.Tensor:
        x = check_input(x, name)
        self._check_shape(x, name)
        return x


def check_options(
    *,
    block_size: Any = None,
    dtype: Any = torch.float64,
    progress: Any = None,
    threads: Any = None,
) -> ComputeOptions:
    """Validated computation options (see :class:`Kernel`), their defaults filled in: the one
    place they are written."""
    if threads is not None:
        check_int(threads, "threads", minimum=1)
    if block_size is not None:
        check_int(block_size, "block_size", minimum=1)
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None, got {progress!r}")
    return ComputeOptions(block_size=block_size, dtype=dtype, progress=progress, threads=threads)


def check_input(x: Any, name: str) -> torch.Tensor:
    """A finite, real, floating tensor with a batch dimension."""
    x = check_tensor(x, name, min_dim=2, finite=True)
    if x.is_complex():
        raise TypeError(f"{name} must be real (float32 or float64), got {x.dtype}")
    return x


def take(prepared: Any, rows: slice) -> Any:
    """The prepared quantities (a tensor or nested tuples of them) of ``x[rows]``."""
    if isinstance(prepared, torch.Tensor):
        return prepared[rows]
    return type(prepared)(take(p, rows) for p in prepared)


def blocked_kernel(
    x1: torch.Tensor,
    x2: torch.Tensor | None,
    kind: str,
    *,
    prepare: Callable[[torch.Tensor], Any],
    pairs: Callable[[Any, Any, bool], tuple[torch.Tensor, torch.Tensor | None]],
    pair_cost: int,
    label: str,
    block_size: int | None = None,
    dtype: torch.dtype = torch.float64,
    progress: bool | None = None,
    threads: int | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """The kernel matrix between ``x1`` and ``x2`` (``x1`` itself when ``None``), block by block.

    Args:
        x1, x2: checked inputs (:func:`check_input`, same trailing shape).
        kind: ``'nngp'``, ``'ntk'``, or ``'both'`` (a tuple ``(nngp, ntk)``).
        prepare: per-input quantities, computed once per call and sliced with :func:`take`.
        pairs: ``(p1, p2, ntk) -> (nngp, ntk or None)`` for one block of pairs.
        pair_cost: numbers one pair holds in an intermediate array (for the default block).
        label: the name shown in the progress line and in errors.
        block_size, dtype, progress, threads: see :class:`Kernel`.

    Raises:
        ValueError: an entry of the result is not finite (inputs too large for ``dtype``).
    """
    check_choice(kind, "kind", KINDS)
    symmetric = x2 is None
    if not symmetric:
        if x2.shape[1:] != x1.shape[1:]:
            raise ValueError(
                f"x1 and x2 must have the same trailing shape (everything after the batch "
                f"dimension), got x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)}"
            )
        if x2.device != x1.device:
            raise ValueError(f"x1 is on {x1.device} but x2 is on {x2.device}")
    ntk = kind != "nngp"
    x1 = x1.to(dtype)
    p1 = prepare(x1)
    if symmetric:
        x2, p2 = x1, p1
    else:
        x2 = x2.to(dtype)
        p2 = prepare(x2)
    n1, n2 = x1.shape[0], x2.shape[0]
    nngp_out = torch.empty(n1, n2, dtype=dtype, device=x1.device)
    ntk_out = torch.empty_like(nngp_out) if ntk else None
    block = block_size or _default_block(pair_cost)
    tiles = list(_tiles(n1, n2, block, symmetric))
    bar = _Progress(len(tiles), label, progress)
    lock = threading.Lock()

    def work(tile: tuple[slice, slice]) -> None:
        rows, cols = tile
        nngp, theta = pairs(take(p1, rows), take(p2, cols), ntk)
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
        workers = min(threads or before, len(tiles))
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
    for out in (nngp_out, ntk_out):
        if out is not None:
            _check_finite(out, label, x1, x2)
    if kind == "nngp":
        return nngp_out
    if kind == "ntk":
        return ntk_out
    return nngp_out, ntk_out


def _check_finite(out: torch.Tensor, label: str, x1: torch.Tensor, x2: torch.Tensor) -> None:
    # Large inputs overflow x·x′ (or the activation's products) in the kernel's dtype: refuse
    # the result rather than hand back inf/NaN entries that a solver would silently absorb.
    if bool(torch.isfinite(out).all()):
        return
    largest = max(float(x1.abs().max()), float(x2.abs().max()))
    wider = " or use dtype=torch.float64" if out.dtype != torch.float64 else ""
    raise ValueError(
        f"{label}: the kernel of these inputs is not finite in {out.dtype} (largest |x| = "
        f"{largest:.3g}); rescale the inputs (e.g. standardise them to unit variance){wider}"
    )


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
