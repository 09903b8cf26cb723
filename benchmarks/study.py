"""Study runner benchmark: runner overhead, and parallel speed-up against serial.

    python benchmarks/study.py                       # the default study (long: ~30 trainings)
    python benchmarks/study.py --epochs 2 --limit 8  # a shortened version of it
    python benchmarks/study.py --every 3 --epochs 4  # every 3rd run of it, 4 epochs each
    python benchmarks/study.py --quick --repeat 3    # the quick study, medians of 3
    python benchmarks/study.py --executors serial,serial1,pool,dask --skip 'width=2048'
                                                     # without the runs that use 2 threads well

For each executor (serial; a local pool of 2 processes; a Dask LocalCluster of 2 workers) it
runs the study into a fresh database and reports the median wall time over ``--repeat``
repetitions, and the ratios to serial measured in the same invocation.

Runner overhead (serial executor) is the wall time not spent inside the runs themselves:
``wall - sum(run seconds)``, i.e. storing (one synchronous SQLite transaction per run),
skip checks, progress callbacks. A store micro-benchmark times :meth:`ResultStore.save` alone.

``serial1`` (the serial executor at one torch thread) gives the bound of any 2-worker executor:
half its wall time. Timings on a shared machine are noisy; compare ratios from one invocation
only.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from invlab.study import ResultStore, StudySpec, builtin_study, load_spec, run_study
from invlab.study.execution.executors import DaskExecutor, PoolExecutor, SerialExecutor


def timed_study(spec: StudySpec, make_executor, folder: Path) -> tuple[float, float]:
    """(wall seconds, sum of the runs' own seconds) of one study into a fresh database.

    The wall time includes starting the workers (and their imports), not shutting them down.
    """
    db = folder / f"{time.monotonic_ns()}.db"
    start = time.perf_counter()
    with make_executor() as executor:
        run_study(spec, db, executor=executor)
        wall = time.perf_counter() - start
    with ResultStore(db) as store:
        runs = store.runs()
    assert (runs.status == "done").all(), runs[runs.status != "done"].error.tolist()
    return wall, float(runs.seconds.sum())


class OneThread(SerialExecutor):
    """The serial executor at one torch thread, like the parallel executors below."""

    name = "serial1"

    def __init__(self) -> None:
        super().__init__(threads=1)


def store_save_ms(n: int = 200) -> float:
    """Median milliseconds of one ResultStore.save (one committed, synced transaction)."""
    spec = builtin_study("size-vs-invariance", quick=True)
    layers = [{"layer": f"l{i}", "metric": "sensitivity", "value": 0.5} for i in range(10)]
    curve = [{"param": float(p), "accuracy": 0.5} for p in range(-10, 11)]
    times = []
    with tempfile.TemporaryDirectory() as folder, ResultStore(Path(folder) / "s.db") as store:
        for i in range(n):
            config = dataclasses.replace(spec.runs[0], seed=i)
            start = time.perf_counter()
            store.save("bench", config, metrics={"a": 1.0}, layers=layers, curve=curve)
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default="size-vs-invariance", help="study or .toml")
    parser.add_argument("--quick", action="store_true", help="the study's quick variant")
    parser.add_argument("--epochs", type=int, help="override every run's epochs")
    parser.add_argument("--limit", type=int, help="only the first N runs")
    parser.add_argument("--every", type=int, default=1, help="every K-th run (a grid sample)")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions (median)")
    parser.add_argument(
        "--skip", help="leave out the runs whose label matches this regular expression"
    )
    parser.add_argument("--workers", type=int, default=2, help="parallel workers")
    parser.add_argument(
        "--executors",
        default="serial,pool,dask",
        help="comma list of serial, serial1 (serial at one torch thread), pool, dask",
    )
    args = parser.parse_args()

    if args.spec.endswith(".toml"):
        spec = load_spec(args.spec)
    else:
        spec = builtin_study(args.spec, quick=args.quick)
    runs = spec.runs[:: args.every][: args.limit] if args.limit else spec.runs[:: args.every]
    if args.skip:
        runs = tuple(r for r in runs if not re.search(args.skip, r.label()))
    if args.epochs:
        runs = tuple(dataclasses.replace(r, epochs=args.epochs) for r in runs)
    spec = StudySpec(spec.name, spec.description, tuple(runs))
    makers = {
        "serial": SerialExecutor,
        "serial1": lambda: OneThread(),
        "pool": lambda: PoolExecutor(args.workers, threads=1),  # one core per worker
        "dask": lambda: DaskExecutor(local_workers=args.workers, threads=1),
    }
    chosen = args.executors.split(",")
    print(f"{spec.name}: {len(spec.runs)} runs, repeat {args.repeat}, workers {args.workers}")
    print(f"store: one save (commit + fsync) takes {store_save_ms():.2f} ms (median of 200)")

    results: dict[str, list[tuple[float, float]]] = {name: [] for name in chosen}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            for name in chosen:  # interleaved, so that load changes hit every executor
                results[name].append(timed_study(spec, makers[name], Path(folder)))

    serial_wall = (
        statistics.median(w for w, _ in results["serial"]) if "serial" in results else None
    )
    print(f"{'executor':10s} {'wall s':>9s} {'runs s':>9s} {'overhead':>10s} {'speed-up':>9s}")
    for name in chosen:
        wall = statistics.median(w for w, _ in results[name])
        inside = statistics.median(s for _, s in results[name])
        if name.startswith("serial"):
            overhead = f"{100 * (wall - inside) / wall:9.2f}%"
        else:  # busy fraction of the workers: sum of run times over workers x wall
            overhead = f"{100 * inside / (args.workers * wall):6.0f}% busy"
        ratio = f"{serial_wall / wall:8.2f}x" if serial_wall else ""
        print(f"{name:10s} {wall:9.2f} {inside:9.2f} {overhead:>10s} {ratio:>9s}")


if __name__ == "__main__":
    main()
