"""A study on the GPU against the same study on the CPU: same numbers, and how much faster.

    python benchmarks/device.py                          # the quick study
    python benchmarks/device.py --study size-vs-invariance --modes cpu cuda cuda-batched

Each mode runs ``invlab study STUDY --device D [--batch-seeds]`` in a subprocess of this run,
each into its own database, and this script prints the wall time of each mode, its ratio to
the first mode's, and for every stored metric the largest difference between a mode's runs
and the first mode's (the same configurations and seeds; runs are matched by their key).
GPU kernels differ from CPU ones in summation order, so float32 training drifts apart: a
difference is expected, its size is what this measures. Needs a CUDA device for the cuda modes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

METRICS = [
    "train_accuracy",
    "final_loss",
    "test_accuracy",
    "transformed_accuracy",
    "consistency",
    "goodfellow",
    "sensitivity",
]
MODES = {
    "cpu": ["--device", "cpu"],
    "cpu-batched": ["--device", "cpu", "--batch-seeds"],
    "cuda": ["--device", "cuda"],
    "cuda-batched": ["--device", "cuda", "--batch-seeds"],
}


def run(study: list[str], mode: str, folder: Path, threads: int) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "invlab", "study", *study, "--out", str(folder / mode)]
    command += ["--no-report", "--quiet", "--threads", str(threads), *MODES[mode]]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--study", default=None, help="a built-in study (default: --quick)")
    parser.add_argument("--modes", nargs="+", default=["cpu", "cuda", "cuda-batched"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="keep the databases here")
    args = parser.parse_args()
    from invlab.allocator import tune_malloc
    from invlab.study.store.read import read_study

    tune_malloc()
    study = [args.study] if args.study else ["--quick"]
    folder = args.out or Path(tempfile.mkdtemp(prefix="invlab-device-"))
    seconds = {mode: run(study, mode, folder, args.threads) for mode in args.modes}
    first = args.modes[0]
    tables = {m: read_study(folder / m / "results.db")[0].set_index("key") for m in args.modes}
    print(f"study: {' '.join(study)}   runs: {len(tables[first])}   threads: {args.threads}")
    print(f"{'mode':14} {'wall (s)':>9} {'ratio':>7}   largest |difference| from {first}")
    for mode in args.modes:
        a, b = tables[first], tables[mode]
        if set(a.index) != set(b.index):
            raise SystemExit(f"{mode} stored other runs than {first}")
        diffs = ", ".join(
            f"{m} {(a[m] - b.loc[a.index, m]).abs().max():.3g}" for m in METRICS if m in a
        )
        print(f"{mode:14} {seconds[mode]:9.1f} {seconds[first] / seconds[mode]:7.2f}x   {diffs}")


if __name__ == "__main__":
    main()
