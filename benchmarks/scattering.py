"""Scattering transforms: invlab against Kymatio 0.3.0 (torch frontend), in the same process.

Run:  python benchmarks/scattering.py [--repeats 7] [--threads 2] [--cases 0,1,2,3] [--no-memory]

For every case it prints the median wall time of ≥ 7 runs after a warm-up (forward, and forward +
backward), the ratio Kymatio / invlab (runs alternate between the two, so that load on a shared
machine hits both alike; the CPU time of all threads is printed too), invlab's time over its own
FFT-only time (the lower bound of an FFT-based implementation: the same FFT calls, recorded
from one forward, or forward + backward, and replayed on random inputs of the same shapes,
alternated with invlab's runs; medians of the per-pair ratios), filter-bank build times, and
the peak memory of one forward pass, each measured in a fresh subprocess (max RSS increase).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from invlab.invariants.scattering import Scattering1D, Scattering2D

CASES = [
    ("Scattering2D J=2 28x28 L=8, batch 256", "2d", dict(J=2, shape=(28, 28), L=8), (256, 28, 28)),
    ("Scattering2D J=3 32x32 L=8, 128x3", "2d", dict(J=3, shape=(32, 32), L=8), (128, 3, 32, 32)),
    ("Scattering1D J=6 N=8192 Q=8, batch 64", "1d", dict(J=6, shape=8192, Q=8), (64, 8192)),
    ("Scattering1D J=4 N=40 Q=1, batch 4000", "1d", dict(J=4, shape=40, Q=1), (4000, 40)),
]


def build(kind: str, lib: str, kwargs: dict):
    if lib == "invlab":
        return (Scattering2D if kind == "2d" else Scattering1D)(**kwargs)
    import kymatio.torch as kt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (kt.Scattering2D if kind == "2d" else kt.Scattering1D)(**kwargs)


def paired_ms(fn_a, fn_b, repeats: int) -> tuple[float, float, float, float, float]:
    """Alternate a and b (so load drifts hit both alike) after one warm-up of each.

    Returns the median wall ms of a and of b, the median of the per-pair ratios a/b, and the
    median CPU ms (process time, all threads) of a and of b.
    """
    fn_a(), fn_b()
    wall_a, wall_b, cpu_a, cpu_b = [], [], [], []
    for _ in range(repeats):
        for fn, wall, cpu in ((fn_a, wall_a, cpu_a), (fn_b, wall_b, cpu_b)):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    ratio = statistics.median(a / b for a, b in zip(wall_a, wall_b))
    med = statistics.median
    return 1e3 * med(wall_a), 1e3 * med(wall_b), ratio, 1e3 * med(cpu_a), 1e3 * med(cpu_b)


class _FFTRecorder(TorchDispatchMode):
    """Records every FFT kernel (``aten._fft_*``, forward and backward) with its arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func.__name__.startswith("_fft_"):
            spec = [(a.shape, a.dtype) if isinstance(a, torch.Tensor) else a for a in args]
            self.calls.append((func, spec, kwargs))
        return func(*args, **kwargs)


def fft_replay(fn):
    """A function that runs only the FFT kernels ``fn`` runs, on random inputs of their shapes."""
    with _FFTRecorder() as rec:
        fn()
    calls = [
        (f, [torch.randn(*a[0], dtype=a[1]) if isinstance(a, tuple) else a for a in spec], kw)
        for f, spec, kw in rec.calls
    ]

    def replay():
        for f, args, kw in calls:
            f(*args, **kw)

    return replay


def peak_memory_mb(case: int, lib: str, threads: int) -> float:
    """Max-RSS increase (MB) of one forward pass, in a fresh process."""
    code = (
        "import sys, torch; sys.argv=['x']; "
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
        f"torch.set_num_threads({threads}); import scattering as b; "
        f"name, kind, kw, shape = b.CASES[{case}]; m = b.build(kind, {lib!r}, kw); "
        "x = torch.randn(shape); import gc; gc.collect(); b.run_once_for_memory(m, x)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def run_once_for_memory(module, x) -> None:
    """Print the peak RSS increase (MB) of a first forward pass (Linux: resets the high-water mark).

    No warm-up: freed memory that the allocator keeps would hide a second pass's peak.
    """
    before = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    with torch.no_grad():
        module(x)
    print((_status_kb("VmHWM") - before) / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cases", default="0,1,2,3")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--tune-malloc",
        action="store_true",
        help="fix glibc's malloc thresholds first (invlab.allocator; applies to both libraries)",
    )
    args = parser.parse_args()
    if args.tune_malloc:
        from invlab.allocator import tune_malloc

        tune_malloc()
    torch.set_num_threads(args.threads)
    rows = []
    for i in (int(c) for c in args.cases.split(",")):
        name, kind, kwargs, shape = CASES[i]
        t0 = time.perf_counter()
        ours = build(kind, "invlab", kwargs)
        build_ours = 1e3 * (time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs = build(kind, "kymatio", kwargs)
        build_theirs = 1e3 * (time.perf_counter() - t0)
        x = torch.randn(shape)
        xg = x.clone().requires_grad_(True)
        with torch.no_grad():
            err = ((ours(x) - theirs(x)).abs().max() / theirs(x).abs().max()).item()
            k_fwd, i_fwd, ratio, k_cpu, i_cpu = paired_ms(
                lambda m=theirs, x=x: m(x), lambda m=ours, x=x: m(x), args.repeats
            )
        k_bwd, i_bwd, ratio_bwd, _, _ = paired_ms(
            lambda m=theirs, x=xg: m(x).sum().backward(),
            lambda m=ours, x=xg: m(x).sum().backward(),
            args.repeats,
        )
        with torch.no_grad():
            fwd = lambda m=ours, x=x: m(x)  # noqa: E731
            fft_fwd = fft_replay(fwd)
            _, i_fft, over_fft, cpu_fwd, cpu_fft = paired_ms(fwd, fft_fwd, args.repeats)
        fwd_bwd = lambda m=ours, x=xg: m(x).sum().backward()  # noqa: E731
        fft_fwd_bwd = fft_replay(fwd_bwd)
        _, i_fft_bwd, over_fft_bwd, cpu_fb, cpu_fft_fb = paired_ms(
            fwd_bwd, fft_fwd_bwd, args.repeats
        )
        row = dict(
            case=name,
            kymatio_ms=k_fwd,
            invlab_ms=i_fwd,
            ratio=ratio,
            kymatio_cpu_ms=k_cpu,
            invlab_cpu_ms=i_cpu,
            ratio_cpu=k_cpu / i_cpu,
            invlab_fft_ms=i_fft,
            invlab_over_fft=over_fft,
            invlab_fft_fwd_bwd_ms=i_fft_bwd,
            invlab_over_fft_fwd_bwd=over_fft_bwd,
            # the same ratios in CPU time: robust to preemption on a loaded machine
            invlab_over_fft_cpu=cpu_fwd / cpu_fft,
            invlab_over_fft_fwd_bwd_cpu=cpu_fb / cpu_fft_fb,
            # the ratio invlab would reach if it cost no more than its own FFT calls
            ratio_bound=k_fwd / i_fft,
            kymatio_fwd_bwd_ms=k_bwd,
            invlab_fwd_bwd_ms=i_bwd,
            ratio_fwd_bwd=ratio_bwd,
            build_invlab_ms=build_ours,
            build_kymatio_ms=build_theirs,
            max_rel_err=err,
        )
        if not args.no_memory:
            row["kymatio_peak_mb"] = peak_memory_mb(i, "kymatio", args.threads)
            row["invlab_peak_mb"] = peak_memory_mb(i, "invlab", args.threads)
        rows.append(row)
        print(json.dumps(row), flush=True)

    print(
        f"\n{args.threads} thread(s), medians of {args.repeats} alternated runs after warm-up; "
        "ratio = median of per-pair ratios (wall); CPU = process time of all threads\n"
    )
    header = (
        "| case | kymatio ms | invlab ms | ratio | CPU ms kymatio / invlab (ratio) | "
        "invlab FFT-only ms | invlab/FFT | kymatio/FFT (ratio bound) | "
        "fwd+bwd kymatio / invlab ms (ratio) | fwd+bwd invlab/FFT | invlab/FFT CPU fwd, fwd+bwd | "
        "peak MB kymatio / invlab | build ms invlab |"
    )
    print(header)
    print("|" + "---|" * 13)
    for r in rows:
        mem = (
            f"{r['kymatio_peak_mb']:.0f} / {r['invlab_peak_mb']:.0f}"
            if "invlab_peak_mb" in r
            else "-"
        )
        print(
            f"| {r['case']} | {r['kymatio_ms']:.1f} | {r['invlab_ms']:.1f} | {r['ratio']:.2f}x | "
            f"{r['kymatio_cpu_ms']:.0f} / {r['invlab_cpu_ms']:.0f} ({r['ratio_cpu']:.2f}x) | "
            f"{r['invlab_fft_ms']:.1f} | {r['invlab_over_fft']:.2f} | {r['ratio_bound']:.1f}x | "
            f"{r['kymatio_fwd_bwd_ms']:.0f} / {r['invlab_fwd_bwd_ms']:.0f} "
            f"({r['ratio_fwd_bwd']:.2f}x) | {r['invlab_over_fft_fwd_bwd']:.2f} | "
            f"{r['invlab_over_fft_cpu']:.2f}, {r['invlab_over_fft_fwd_bwd_cpu']:.2f} | {mem} | "
            f"{r['build_invlab_ms']:.1f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
