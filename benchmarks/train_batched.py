"""Seeds trained together against serial training, on the default study's configurations.

    python benchmarks/train_batched.py                        # every configuration, 3 seeds
    python benchmarks/train_batched.py --epochs 3 --repeat 3  # shortened, medians of 3
    python benchmarks/train_batched.py --seeds 5 --threads 2 --only 'mlp|cnn'

For each configuration (model, size, regime) of ``size-vs-invariance`` it trains the K seeds
with :func:`invlab.train.train` one after another (serial) and with
:func:`invlab.train.train_together` (batched), both in this process, and prints the median wall
time of each over ``--repeat`` repetitions, their ratio, and the largest difference between a
batched member and its serial run: in final loss, training accuracy, and test logits (eval
mode, the first 1000 test inputs). Training only: the study's measurement is not timed.
A configuration that cannot be batched shows the reason (it then runs serially).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch

from invlab.allocator import tune_malloc
from invlab.data import load_dataset
from invlab.models import create_model
from invlab.study import builtin_study
from invlab.train import SerialFallbackWarning, seeded, train, train_together
from invlab.transforms.spec import parse_transform


def groups():
    """One entry per configuration of the default study: (label, config) with seed 0."""
    spec = builtin_study("size-vs-invariance")
    seen = {}
    for run in spec.runs:
        seen.setdefault(run.group_key(), run)
    return list(seen.values())


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


@torch.no_grad()
def logits(model, x):
    model.eval()
    return model(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="K: members trained together")
    parser.add_argument("--epochs", type=int, default=None, help="override the spec's epochs")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--only", default="", help="regex on the configuration's label")
    args = parser.parse_args()
    tune_malloc()
    torch.set_num_threads(args.threads)
    ds = load_dataset("mnist1d")
    seeds = list(range(args.seeds))
    load = os.getloadavg()
    print(f"K={args.seeds} threads={args.threads} repeat={args.repeat} epochs={args.epochs}")
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    # the first training in a process pays one-off costs (allocator, kernels): not timed
    warm = dict(epochs=1, max_steps=3)
    train(seeded(lambda: create_model("mlp", width=8, depth=1), 0), ds.x_train, ds.y_train, **warm)
    train_together(
        lambda: create_model("mlp", width=8, depth=1), seeds, ds.x_train, ds.y_train, **warm
    )
    print(f"{'configuration':44} {'serial s':>9} {'batched s':>9} {'ratio':>6}  max |diff|")
    total_s = total_b = 0.0
    worst = [0.0, 0.0, 0.0]
    for config in groups():
        label = f"{config.model} {config.size} {config.augment or 'plain'}"
        if args.only and not re.search(args.only, label):
            continue

        def build(config=config):
            return create_model(
                config.model, in_shape=ds.in_shape, num_classes=ds.num_classes, **config.size
            )

        spatial = len(ds.in_shape) - 1
        augment = parse_transform(config.augment, spatial) if config.augment else None
        settings = dict(
            epochs=args.epochs or config.epochs,
            batch_size=config.batch_size,
            lr=config.lr,
            schedule=config.schedule,
            augment=augment,
        )

        def serial(settings=settings):
            out = []
            for seed in seeds:
                model = seeded(build, seed)
                out.append((model, train(model, ds.x_train, ds.y_train, seed=seed, **settings)))
            return out

        def batched(settings=settings):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", SerialFallbackWarning)
                out = train_together(build, seeds, ds.x_train, ds.y_train, **settings)
            batched.reason = "; ".join(str(w.message).split(": ", 2)[-1] for w in caught)
            return out

        ts, tb = [], []
        for _ in range(args.repeat):
            t, ser = timed(serial)
            ts.append(t)
            t, bat = timed(batched)
            tb.append(t)
        s, b = statistics.median(ts), statistics.median(tb)
        total_s += s
        total_b += b
        x = ds.x_test[:1000]
        pairs = list(zip(ser, bat))
        diff = [
            max(abs(rs.losses[-1] - rb.losses[-1]) for (_, rs), (_, rb) in pairs),
            max(abs(rs.train_accuracy - rb.train_accuracy) for (_, rs), (_, rb) in pairs),
            max(float((logits(ms, x) - logits(mb, x)).abs().max()) for (ms, _), (mb, _) in pairs),
        ]
        worst = [max(w, d) for w, d in zip(worst, diff)]
        note = f"  [serial: {batched.reason}]" if batched.reason else ""
        print(
            f"{label:44} {s:9.2f} {b:9.2f} {s / b:6.2f}  loss {diff[0]:.1e} acc {diff[1]:.1e} "
            f"logits {diff[2]:.1e}{note}",
            flush=True,
        )
    print(
        f"{'total':44} {total_s:9.2f} {total_b:9.2f} {total_s / total_b:6.2f}  "
        f"loss {worst[0]:.1e} acc {worst[1]:.1e} logits {worst[2]:.1e}"
    )
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
