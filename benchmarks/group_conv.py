"""Time invlab's GroupConv2d against e2cnn, and a C4 G-CNN against a plain CNN.

Architecture (both libraries): lifting conv 1 → F regular fields (k = 7), two group convs
F → F (k = 5), ReLU after each, group max pooling, global average pooling, linear → 10; input
a batch of 64 × 1 × 29 × 29; group C8. Both run ``conv2d`` on the same feature-map sizes;
they differ in how the stack of transformed filters is built (invlab: a fixed permutation /
interpolation matrix, e2cnn: a steerable basis expansion) and in the number of free
parameters (e2cnn's band-limited basis has fewer).

e2cnn needs numpy < 2, so it usually lives in its own virtual environment. When it is not
importable here, this script runs itself in that environment with ``--e2cnn-worker`` (which
imports only torch and e2cnn) and reads its timings from stdout. The interpreter is taken
from ``--e2cnn-python`` or the ``INVLAB_E2CNN_PYTHON`` variable (default
``/work/venv-e2cnn/bin/python``); create it with::

    python3 -m venv /work/venv-e2cnn
    /work/venv-e2cnn/bin/pip install torch==<the same torch> 'numpy<2' e2cnn scipy

Run:  PYTHONPATH=src python benchmarks/group_conv.py [--runs 11] [--fields 8]

Timings are medians over ``--runs`` repetitions after warm-up, with ``torch.set_num_threads(2)``;
on a shared machine they are noisy, so invlab is timed before and after e2cnn, and then
both are timed alternately, call by call, in one process (the e2cnn environment with invlab's
``src`` on ``PYTHONPATH``): that interleaved ratio is the fair one. ``forward`` is in training
mode (filters expanded on every call, as in a training step); e2cnn's eval mode caches its
expanded filters and is reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

import torch
from torch import nn

BATCH, SIZE, CLASSES = 64, 29, 10


def run_times(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def time_model(model: nn.Module, x: torch.Tensor, runs: int) -> dict[str, float]:
    """Median (and minimum, ``*_min``) seconds of forward (train mode), forward+backward, and
    forward in eval mode. Under load from other processes the minimum is the steadier one."""
    model.train()

    def forward():
        with torch.no_grad():
            model(x)

    def forward_backward():
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()

    result = {}
    for key, fn in (("forward", forward), ("forward_backward", forward_backward)):
        times = run_times(fn, runs)
        result[key], result[f"{key}_min"] = statistics.median(times), min(times)
    model.eval()
    times = run_times(forward, runs)
    result["forward_eval"], result["forward_eval_min"] = statistics.median(times), min(times)
    model.train()
    return result


# -- e2cnn (imports nothing from invlab: it may run in another environment) ---------------------


def e2cnn_model(fields: int, rotations: int = 8) -> nn.Module:
    from e2cnn import gspaces
    from e2cnn import nn as enn

    space = gspaces.Rot2dOnR2(N=rotations)
    t_in = enn.FieldType(space, [space.trivial_repr])
    t_hid = enn.FieldType(space, fields * [space.regular_repr])

    class E2Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.t_in = t_in
            self.body = enn.SequentialModule(
                enn.R2Conv(t_in, t_hid, 7, padding=3),
                enn.ReLU(t_hid),
                enn.R2Conv(t_hid, t_hid, 5, padding=2),
                enn.ReLU(t_hid),
                enn.R2Conv(t_hid, t_hid, 5, padding=2),
                enn.ReLU(t_hid),
                enn.GroupPooling(t_hid),
            )
            self.logits = nn.Linear(fields, CLASSES)

        def forward(self, x):
            h = self.body(enn.GeometricTensor(x, self.t_in)).tensor
            return self.logits(h.mean((-2, -1)))

    return E2Net()


def e2cnn_worker(fields: int, runs: int) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = e2cnn_model(fields)
    x = torch.randn(BATCH, 1, SIZE, SIZE)
    timings = time_model(model, x, runs)
    timings["params"] = sum(p.numel() for p in model.parameters())
    return timings


def paired_worker(fields: int, runs: int) -> dict:
    """invlab and e2cnn in one process, timed alternately call by call.

    Load from other processes then hits both alike; the ratio of medians is the fair one.
    """
    import warnings

    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    models = {"invlab": invlab_gcnn(fields, "C8"), "e2cnn": e2cnn_model(fields)}
    x = torch.randn(BATCH, 1, SIZE, SIZE)

    def forward(m):
        with torch.no_grad():
            m(x)

    def forward_backward(m):
        m.zero_grad(set_to_none=True)
        m(x).sum().backward()

    out: dict[str, dict[str, float]] = {name: {} for name in models}
    for mode in ("forward", "forward_backward", "forward_eval"):
        fn = forward_backward if mode == "forward_backward" else forward
        for m in models.values():
            m.train(mode != "forward_eval")
            fn(m), fn(m)  # warm-up
        times = {name: [] for name in models}
        for _ in range(runs):
            for name, m in models.items():
                start = time.perf_counter()
                fn(m)
                times[name].append(time.perf_counter() - start)
        for name in models:
            out[name][mode] = statistics.median(times[name])
            out[name][f"{mode}_min"] = min(times[name])
    for name, m in models.items():
        out[name]["params"] = sum(p.numel() for p in m.parameters())
    return out


def run_paired(fields: int, runs: int, python: str) -> dict:
    """:func:`paired_worker` here if e2cnn imports, else in the e2cnn environment."""
    try:
        import e2cnn  # noqa: F401

        return paired_worker(fields, runs)
    except ImportError:
        pass
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    cmd = [python, __file__, "--paired-worker", "--fields", str(fields), "--runs", str(runs)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the paired worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_e2cnn(fields: int, runs: int, python: str) -> dict:
    try:
        return e2cnn_worker(fields, runs)
    except ImportError:
        pass
    if not os.path.exists(python):
        raise SystemExit(
            f"e2cnn is not importable here and the interpreter {python!r} does not exist; set "
            f"INVLAB_E2CNN_PYTHON or --e2cnn-python (see this file's docstring)"
        )
    cmd = [python, __file__, "--e2cnn-worker", "--fields", str(fields), "--runs", str(runs)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the e2cnn worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- invlab ------------------------------------------------------------------------------------


def invlab_gcnn(fields: int, group: str) -> nn.Module:
    from invlab.nn import GlobalPool, GroupConv2d, GroupPool

    return nn.Sequential(
        GroupConv2d(1, fields, 7, group, lifting=True),
        nn.ReLU(),
        GroupConv2d(fields, fields, 5, group),
        nn.ReLU(),
        GroupConv2d(fields, fields, 5, group),
        nn.ReLU(),
        GroupPool("max"),
        GlobalPool("avg"),
        nn.Linear(fields, CLASSES),
    )


def plain_cnn(channels: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, channels, 7, padding=3),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 5, padding=2),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 5, padding=2),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, CLASSES),
    )


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description="GroupConv2d vs e2cnn, G-CNN vs CNN timings")
    parser.add_argument("--runs", type=int, default=11, help="timed repetitions (>= 7)")
    parser.add_argument("--fields", type=int, default=8, help="regular fields per layer")
    parser.add_argument(
        "--e2cnn-python",
        default=os.environ.get("INVLAB_E2CNN_PYTHON", "/work/venv-e2cnn/bin/python"),
        help="interpreter of an environment with e2cnn (env: INVLAB_E2CNN_PYTHON)",
    )
    parser.add_argument("--skip-e2cnn", action="store_true")
    parser.add_argument("--e2cnn-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--paired-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 7:
        parser.error("--runs must be >= 7")
    if args.e2cnn_worker:
        print(json.dumps(e2cnn_worker(args.fields, args.runs)))
        return
    if args.paired_worker:
        print(json.dumps(paired_worker(args.fields, args.runs)))
        return

    torch.set_num_threads(2)
    x = torch.randn(BATCH, 1, SIZE, SIZE)
    f = args.fields
    rows = []

    def record(name, model, **extra):
        torch.manual_seed(0)
        t = time_model(model, x, args.runs)
        rows.append({"model": name, "params": count(model), **t, **extra})
        print(f"  {name}: {t}", flush=True)

    print(f"batch {BATCH}×1×{SIZE}×{SIZE}, {f} fields, median of {args.runs} runs", flush=True)
    record("invlab C8 (before e2cnn)", invlab_gcnn(f, "C8"))
    if not args.skip_e2cnn:
        e2 = run_e2cnn(f, args.runs, args.e2cnn_python)
        rows.append({"model": "e2cnn C8", **e2})
        print(f"  e2cnn C8: {e2}", flush=True)
        record("invlab C8 (after e2cnn)", invlab_gcnn(f, "C8"))
    # C4 G-CNN against plain CNNs: equal parameters (2F channels: the group conv's F·F·4·k²
    # weights equal (2F)²·k²) and equal width (4F channels: the same feature maps).
    record("invlab C4 gcnn", invlab_gcnn(f, "C4"))
    record(f"plain cnn, equal params ({2 * f} ch)", plain_cnn(2 * f))
    record(f"plain cnn, equal width ({4 * f} ch)", plain_cnn(4 * f))

    print()
    print("milliseconds, median (min) of the runs")
    print(f"{'model':36s} {'params':>8s} {'forward':>16s} {'fwd+bwd':>16s} {'fwd eval':>16s}")
    for r in rows:
        cells = [
            f"{1e3 * r[k]:7.0f} ({1e3 * r[k + '_min']:6.0f})"
            for k in ("forward", "forward_backward", "forward_eval")
        ]
        print(f"{r['model']:36s} {r['params']:8d} " + " ".join(f"{c:>16s}" for c in cells))
    by = {r["model"]: r for r in rows}
    print()
    if not args.skip_e2cnn:
        e2 = by["e2cnn C8"]
        for key in ("forward", "forward_backward", "forward_eval"):
            for stat in ("", "_min"):
                k = key + stat
                ours = [by["invlab C8 (before e2cnn)"][k], by["invlab C8 (after e2cnn)"][k]]
                print(
                    f"invlab / e2cnn, C8 {k:20s}: {min(ours) / e2[k]:.2f}–"
                    f"{max(ours) / e2[k]:.2f}  (invlab timed before and after e2cnn)"
                )
    if not args.skip_e2cnn:
        # The fair comparison: both libraries in one process (the e2cnn environment, with
        # invlab's src on PYTHONPATH), calls interleaved.
        paired = run_paired(f, args.runs, args.e2cnn_python)
        print("\ninterleaved in one process (C8), median (min) ms:")
        for key in ("forward", "forward_backward", "forward_eval"):
            a, b = paired["invlab"], paired["e2cnn"]
            print(
                f"  {key:16s} invlab {1e3 * a[key]:7.0f} ({1e3 * a[key + '_min']:5.0f})  "
                f"e2cnn {1e3 * b[key]:7.0f} ({1e3 * b[key + '_min']:5.0f})  "
                f"invlab/e2cnn {a[key] / b[key]:.2f} ({a[key + '_min'] / b[key + '_min']:.2f})"
            )
        print()
    c4 = by["invlab C4 gcnn"]
    for name in (f"plain cnn, equal params ({2 * f} ch)", f"plain cnn, equal width ({4 * f} ch)"):
        for key in ("forward", "forward_backward", "forward_min", "forward_backward_min"):
            print(f"C4 gcnn / {name} {key:20s}: {c4[key] / by[name][key]:.2f}")


if __name__ == "__main__":
    main()
