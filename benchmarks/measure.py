"""Cost of ``invlab.measure.profile`` against the bare forward passes it cannot avoid.

Run from the repository root::

    PYTHONPATH=src python benchmarks/measure.py            # N = 1000, memory at N and 10 N
    PYTHONPATH=src python benchmarks/measure.py --quick    # smaller, for a smoke test

Time: median of ``--repeats`` (≥ 7) runs of

* ``bare``: the forwards of the same ``N × T`` transformed inputs, in the same batches of
  ``b·T``, inputs transformed beforehand (the floor of any trajectory measurement);
* ``bare+transform``: the same with the transformation applied inside the loop;
* ``profile(...)`` with all metrics (Goodfellow's extra threshold pass over the ``N``
  untransformed inputs included), and with one metric at a time.

The machine this was written on is shared (load average ~10 on 2 cores), so the functions run
in interleaved rounds and the ratio to ``bare`` is reported as the median of the per-round
ratios and as the ratio of the minima (the least disturbed run of each).

``--clock cpu`` times the main thread's CPU time with one thread instead: other processes'
load then barely changes the numbers, which makes it the better ratio on a busy machine.

Memory: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (peak resident set size, KiB on Linux)
in a fresh Python process per size, read once after building the model and the data and once
after ``profile``; the difference is the peak that profiling adds. ``tracemalloc`` would miss
torch's allocations, hence the process-level peak.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch

from invlab.allocator import tune_malloc
from invlab.measure import profile
from invlab.models import create_model
from invlab.transforms import Shift

LENGTH, CHANNELS, DEPTH, STEPS, BATCH = 40, 32, 3, 9, 64


def setup(n: int, seed: int = 0, channels: int = CHANNELS):
    torch.manual_seed(seed)
    model = create_model("cnn", in_shape=(1, LENGTH), channels=channels, depth=DEPTH).eval()
    x = torch.randn(n, 1, LENGTH)
    y = torch.randint(0, 10, (n,))
    return model, x, y, Shift(8)


@torch.no_grad()
def bare(model, x, shift, pre: list[torch.Tensor] | None) -> None:
    grid = shift.grid(STEPS)
    t = grid.shape[0]
    if pre is not None:
        for batch in pre:
            model(batch)
        return
    for start in range(0, x.shape[0], BATCH):
        xb = x[start : start + BATCH]
        model(shift.apply(xb.repeat_interleave(t, 0), grid.repeat(xb.shape[0], 1)))


def pretransform(x, shift) -> list[torch.Tensor]:
    grid = shift.grid(STEPS)
    t = grid.shape[0]
    out = []
    for start in range(0, x.shape[0], BATCH):
        xb = x[start : start + BATCH]
        out.append(shift.apply(xb.repeat_interleave(t, 0), grid.repeat(xb.shape[0], 1)))
    return out


CLOCK = time.perf_counter


def paired_timing(fns: dict, repeats: int) -> dict[str, dict[str, float]]:
    """Run every function once per round, rounds interleaved, so that a burst of load from
    other processes hits all of them alike; ratios are taken within a round."""
    for fn in fns.values():
        fn()  # warm-up
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = CLOCK()
            fn()
            times[name].append(CLOCK() - start)
    floor = times["bare"]
    return {
        name: {
            "median_s": statistics.median(ts),
            "min_s": min(ts),
            "median_ratio": statistics.median(t / f for t, f in zip(ts, floor)),
            "min_ratio": min(ts) / min(floor),
        }
        for name, ts in times.items()
    }


def per_forward() -> int:
    """``profile``'s ``batch_size``: transformed inputs per forward, ``BATCH`` inputs × T."""
    return BATCH * Shift(8).grid(STEPS).shape[0]


def timing(n: int, repeats: int, channels: int) -> dict[str, dict[str, float]]:
    model, x, y, shift = setup(n, channels=channels)
    pre = pretransform(x, shift)
    common = dict(steps=STEPS, batch_size=per_forward())
    return paired_timing(
        {
            "bare": lambda: bare(model, x, shift, pre),
            "bare+transform": lambda: bare(model, x, shift, None),
            "profile (all metrics)": lambda: profile(model, (x, y), shift, **common),
            "profile (goodfellow)": lambda: profile(
                model, x, shift, metrics=["goodfellow"], **common
            ),
            "profile (sensitivity)": lambda: profile(
                model, x, shift, metrics=["sensitivity"], **common
            ),
            "profile (equivariance)": lambda: profile(
                model, x, shift, metrics=["equivariance"], **common
            ),
        },
        repeats,
    )


def own_forward_ratios(n: int, channels: int, repeats: int) -> dict[str, list[float]]:
    """``profile`` time over the time of its own ``N×T`` trajectory forwards, same call.

    Hooks on the model time each forward of ``b·T`` inputs from inside ``profile``; the ratio
    compares work done back to back in one process, so the load of other processes and
    allocator effects between separate loops largely cancel (the most stable number here).
    """
    model, x, y, shift = setup(n, channels=channels)
    spent = {"traj": 0.0}
    state = {}

    def before(_m, inputs):
        state["t"], state["rows"] = CLOCK(), inputs[0].shape[0]

    def after(_m, _inputs, _out):
        if state["rows"] > BATCH:  # a trajectory batch, not the threshold pass
            spent["traj"] += CLOCK() - state["t"]

    handles = [model.register_forward_pre_hook(before), model.register_forward_hook(after)]
    choices = {
        "all five metrics": None,
        "goodfellow": ["goodfellow"],
        "sensitivity": ["sensitivity"],
        "equivariance": ["equivariance"],
        "consistency+accuracy": ["consistency", "accuracy"],
        "sens+cons+acc": ["sensitivity", "consistency", "accuracy"],
    }
    ratios = {}
    for name, metrics in choices.items():
        ratios[name] = []
        for _ in range(repeats):
            spent["traj"] = 0.0
            start = CLOCK()
            profile(model, (x, y), shift, metrics=metrics, steps=STEPS, batch_size=per_forward())
            ratios[name].append((CLOCK() - start) / spent["traj"])
    for h in handles:
        h.remove()
    return ratios


def memory_child(n: int) -> None:
    torch.set_num_threads(2)
    model, x, y, shift = setup(n)
    common = dict(steps=STEPS, batch_size=per_forward())
    profile(model, (x[:200], y[:200]), shift, **common)  # warm torch up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profile(model, (x, y), shift, **common)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "before_kib": before, "after_kib": after}))


def memory(n: int) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--channels", type=int, default=CHANNELS, help="conv width: the forward's cost per unit"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: perf_counter with 2 threads; cpu: the main thread's CPU time with 1 thread "
        "(insensitive to other processes' load)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory part")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    tune_malloc()  # same allocator settings for the bare loop and profile (see invlab.allocator)
    if args.memory_child:
        memory_child(args.memory_child)
        return
    global CLOCK
    if args.clock == "cpu":
        torch.set_num_threads(1)  # all work in this thread: its CPU time is the cost
        CLOCK = time.thread_time
    else:
        torch.set_num_threads(2)
    n = 200 if args.quick else args.n
    t = Shift(8).grid(STEPS).shape[0]
    print(
        f"model cnn(channels={args.channels}, depth={DEPTH}) on (N, 1, {LENGTH}); Shift(8), "
        f"T = {t}; N = {n}; batch {BATCH} inputs = {BATCH * t} per forward; "
        f"{torch.get_num_threads()} thread(s), {args.clock} clock; {args.repeats} rounds"
    )
    print("profile time / time of its own N×T trajectory forwards (same call):")
    for name, r in own_forward_ratios(n, args.channels, args.repeats).items():
        print(
            f"  {name:<24} median {statistics.median(r):5.2f}×  "
            f"(min {min(r):.2f}, max {max(r):.2f})"
        )
    print("separate loops, interleaved rounds (sensitive to load and allocator effects):")
    times = timing(n, args.repeats, args.channels)
    print(f"  {'':<24} {'median':>9} {'min':>9}   ratio to bare: median of rounds, of minima")
    for name, r in times.items():
        print(
            f"  {name:<24} {r['median_s'] * 1000:7.0f}ms {r['min_s'] * 1000:7.0f}ms   "
            f"{r['median_ratio']:5.2f}×  {r['min_ratio']:5.2f}×"
        )
    print("peak resident memory added by profile (fresh process per N):")
    if args.no_memory:
        return
    for size in (n, 10 * n):
        m = memory(size)
        added = (m["after_kib"] - m["before_kib"]) / 1024
        print(
            f"  N = {size:>6}: peak RSS {m['after_kib'] / 1024:7.1f} MiB "
            f"(+{added:.1f} MiB during profile)"
        )


if __name__ == "__main__":
    main()
