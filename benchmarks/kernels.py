"""CNN-GAP NNGP kernel: invlab against neural-tangents 0.6.5 on this CPU, in the same run.

Run:  python benchmarks/kernels.py [--n 256] [--repeats 3] [--nt-python /work/nt-env/bin/python]
                                   [--skip-nt] [--baseline DIR] [--full] [--json out.json]

``--baseline DIR`` also times the invlab source tree under ``DIR/src`` (an older commit), in
the same alternation, to measure a change of invlab against itself.

The kernel is the NNGP of ``stax.serial(*[Conv(·, (3,), padding='CIRCULAR', W_std=√2), Relu()]
* 4, GlobalAvgPool(), Dense(·, √2))`` on the first ``--n`` MNIST-1D training signals, float64,
``x2 = None`` (the symmetric train × train matrix). Every measurement runs in a fresh
subprocess, invlab and neural-tangents alternating so that load on a shared machine hits both
alike; each child calls ``invlab.allocator.tune_malloc()`` first (neural-tangents' child loads
that file by path: it only needs ctypes) and reports its wall time and its peak resident memory
(``ru_maxrss``), total and above the RSS it had before the computation (after imports and data),
and the CPU time of all its threads (less sensitive than wall time to other load on the machine).
neural-tangents runs in its own environment (JAX is not an invlab dependency), with its
``kernel_fn`` under ``jax.jit``; its first call includes compilation and is reported apart, its
second call is the one compared. The two matrices are compared too (max relative difference).

``--full`` then times invlab alone on the full MNIST-1D kernels: 4000 × 4000 (train × train)
and 1000 × 4000 (test × train), each in its own subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPTH = 4


def _rss_mib() -> float:
    """Current resident set size of this process, MiB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _tune_malloc() -> bool:
    import importlib.util

    spec = importlib.util.spec_from_file_location("_alloc", ROOT / "src/invlab/allocator.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.tune_malloc()


def child_invlab(data: str, rows: str, cols: str, out: str) -> dict:
    tuned = _tune_malloc()
    import numpy as np
    import torch

    sys.path.insert(0, os.environ.get("INVLAB_SRC", str(ROOT / "src")))
    from invlab.kernels import CNNKernel

    arrays = np.load(data)
    x1 = torch.from_numpy(arrays[rows])
    x2 = None if cols == "none" else torch.from_numpy(arrays[cols])
    kernel = CNNKernel(DEPTH, 3, "gap", progress=True)
    base = _rss_mib()
    c0, t0 = time.process_time(), time.perf_counter()
    k = kernel(x1, x2)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if out:
        np.save(out, k.numpy())
    return {
        "lib": os.environ.get("INVLAB_LABEL", "invlab"),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mib": _peak_mib(),
        "base_mib": base,
        "shape": list(k.shape),
        "threads": torch.get_num_threads(),
        "tuned": tuned,
    }


def child_nt(data: str, rows: str, cols: str, out: str) -> dict:
    tuned = _tune_malloc()
    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from neural_tangents import stax

    arrays = np.load(data)
    x1 = np.moveaxis(arrays[rows], 1, -1)  # channels last
    x2 = None if cols == "none" else np.moveaxis(arrays[cols], 1, -1)
    layers = [stax.Conv(1, (3,), padding="CIRCULAR", W_std=2**0.5, b_std=0.0), stax.Relu()]
    _, _, kernel_fn = stax.serial(*layers * DEPTH, stax.GlobalAvgPool(), stax.Dense(1, 2**0.5))
    kernel_fn = jax.jit(kernel_fn, static_argnames="get")
    base = _rss_mib()
    t0 = time.perf_counter()
    k = np.asarray(kernel_fn(x1, x2, "nngp").block_until_ready())
    first = time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    k = np.asarray(kernel_fn(x1, x2, "nngp").block_until_ready())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if out:
        np.save(out, k)
    return {
        "lib": "neural-tangents",
        "wall_s": wall,
        "cpu_s": cpu,
        "first_call_s": first,
        "peak_mib": _peak_mib(),
        "base_mib": base,
        "shape": list(k.shape),
        "tuned": tuned,
    }


def run_child(
    python: str, lib: str, data: str, rows: str, cols: str, out: str = "", src: str = ""
) -> dict:
    cmd = [python, __file__, "--child", lib, data, rows, cols, out]
    env = dict(os.environ)
    if src:  # an older invlab source tree, timed as "baseline"
        env.update(INVLAB_SRC=str(Path(src) / "src"), INVLAB_LABEL="baseline")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="signals in the comparison")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nt-python", default="/work/nt-env/bin/python")
    parser.add_argument("--full", action="store_true", help="then the full MNIST-1D kernels")
    parser.add_argument("--skip-nt", action="store_true")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="an older invlab checkout (e.g. `git archive main | tar -x -C DIR`), timed "
        "alternately with this one as 'baseline'",
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lib, data, rows, cols, out = args.child
        result = (child_invlab if lib == "invlab" else child_nt)(data, rows, cols, out)
        print(json.dumps(result))
        return 0

    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))
    from invlab.data import mnist1d

    ds = mnist1d()
    results: dict = {"n": args.n, "depth": DEPTH, "cpus": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "mnist1d.npz")
        x_train = ds.x_train.double().numpy()
        np.savez(data, small=x_train[: args.n], train=x_train, test=ds.x_test.double().numpy())
        peers = [("invlab", sys.executable, "")]
        if not args.skip_nt:
            peers.append(("nt", args.nt_python, ""))
        if args.baseline:
            peers.append(("invlab", sys.executable, str(args.baseline)))
        if len(peers) > 1:
            outs = {}
            for r in range(args.repeats):
                for lib, python, src in peers:
                    out = str(Path(tmp) / f"{lib}{bool(src)}.npy")
                    res = run_child(python, lib, data, "small", "none", out if r == 0 else "", src)
                    outs[res["lib"]] = out
                    results["runs"].append(res)
                    extra = (
                        f", first call {res['first_call_s']:.1f} s" if "first_call_s" in res else ""
                    )
                    peak, base = res["peak_mib"], res["base_mib"]
                    print(
                        f"  {res['lib']:>15}: {res['wall_s']:7.2f} s (CPU {res['cpu_s']:.1f} s), "
                        f"peak {peak:6.0f} MiB "
                        f"(+{peak - base:.0f} over {base:.0f}){extra}",
                        flush=True,
                    )
            ours = np.load(outs["invlab"])
            diffs = {
                lib: float(np.abs(np.load(out) - ours).max() / np.abs(ours).max())
                for lib, out in outs.items()
                if lib != "invlab"
            }
            results["max_rel_diff"] = diffs
            summary = {}
            for lib in outs:
                runs = [r for r in results["runs"] if r["lib"] == lib]
                summary[lib] = {
                    "wall_s": statistics.median(r["wall_s"] for r in runs),
                    "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                    "peak_mib": statistics.median(r["peak_mib"] for r in runs),
                    "extra_mib": statistics.median(r["peak_mib"] - r["base_mib"] for r in runs),
                }
            results["summary"] = summary
            differ = ", ".join(f"{lib} {d:.1e}" for lib, d in diffs.items())
            print(
                f"\nCNN-GAP depth {DEPTH} NNGP, {args.n} MNIST-1D signals, float64, medians of "
                f"{args.repeats} (max relative difference to invlab: {differ}):"
            )
            print(f"{'':>18} {'time s':>8} {'CPU s':>8} {'peak MiB':>9} {'above base':>11}")
            for lib, s in summary.items():
                print(
                    f"{lib:>18} {s['wall_s']:8.2f} {s['cpu_s']:8.1f} {s['peak_mib']:9.0f} "
                    f"{s['extra_mib']:11.0f}"
                )
            inv = summary["invlab"]
            for lib, s in summary.items():
                if lib == "invlab":
                    continue
                extra_ratio = s["extra_mib"] / max(inv["extra_mib"], 1)
                print(
                    f"{'ratio ' + lib[:6] + '/invlab':>18} {s['wall_s'] / inv['wall_s']:8.2f} "
                    f"{s['cpu_s'] / inv['cpu_s']:8.2f} {s['peak_mib'] / inv['peak_mib']:9.2f} "
                    f"{extra_ratio:11.2f}"
                )
        if args.full:
            for name, rows, cols in (
                ("train x train", "train", "none"),
                ("test x train", "test", "train"),
            ):
                res = run_child(sys.executable, "invlab", data, rows, cols)
                results[name] = res
                print(
                    f"invlab full {name} {tuple(res['shape'])}: {res['wall_s']:.0f} s (CPU "
                    f"{res['cpu_s']:.0f} s), peak "
                    f"{res['peak_mib']:.0f} MiB (+{res['peak_mib'] - res['base_mib']:.0f})",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
