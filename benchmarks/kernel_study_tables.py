"""Markdown tables of the infinite-width and learn-dft studies from their results stores
(mean ± 95 % CI over seeds, n), as pasted into docs/kernels.md.

    python benchmarks/kernel_study_tables.py /work/results/infinite-width/results.db \
        /work/results/learn-dft/results.db
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from invlab.study import ResultStore
from invlab.study.report.limit_figures import extras_table, fmt
from invlab.study.stats import mean_ci

METRICS = ("test_accuracy", "transformed_accuracy", "consistency", "sensitivity")


def _row(cells) -> str:
    return "| " + " | ".join(map(str, cells)) + " |"


def infinite_width(db: str) -> None:
    with ResultStore(db) as store:
        runs, layers = store.runs("infinite-width"), store.layers("infinite-width")
    runs = runs[runs.status == "done"]
    table = extras_table(runs, layers)
    print(
        _row(["model", "predictor", "n", "test acc", "shifted acc", "consistency", "sensitivity"])
    )
    print(_row(["---"] * 7))
    kern = table[(table.kind == "kernel") & table.group.isin(["ntk", "nngp", "ntk_gd"])]
    for _, r in kern.iterrows():
        name = {"ntk": "NTK", "nngp": "NNGP", "ntk_gd": "NTK after the finite nets' GD"}[r.group]
        cells = [fmt(r[m], r[f"{m}_ci"]) for m in METRICS]
        print(_row([r.family, name, r.n, *cells]))
    finite = runs[runs.kind == "finite"].copy()
    finite["width"] = finite["size"].map(lambda s: json.loads(s)["width"])
    for (family, width), part in finite.groupby(["family", "width"], sort=True):
        cells = []
        for m in METRICS:
            est = mean_ci(part[m].to_numpy(dtype=float))
            cells.append(fmt(est.mean, est.half_width))
        print(_row([family, f"finite, width {width}", len(part), *cells]))


def learn_dft(db: str) -> None:
    with ResultStore(db) as store:
        runs, layers = store.runs("learn-dft"), store.layers("learn-dft")
    runs = runs[runs.status == "done"]
    table = extras_table(runs, layers)
    lin = table[(table.model == "linear") & (table.group == "linear")]
    print("\n(a) weight error ‖W − D‖/‖D‖\n")
    print(_row(["data", "samples", "steps", "n", "weight error"]))
    print(_row(["---"] * 5))
    for _, r in lin.iterrows():
        s = json.loads(r["size"])
        print(
            _row(
                [
                    s["data"],
                    s["samples"],
                    s["steps"],
                    r.n,
                    fmt(r.weight_error, r.weight_error_ci, 4),
                ]
            )
        )
    freq = table[(table.model == "linear") & (table.group == "frequency")]
    print("\nper-frequency error at the largest budget\n")
    for _, r in freq.iterrows():
        s = json.loads(r["size"])
        if s["samples"] == 4000 and s["steps"] == 3000:
            ks = sorted((c for c in r.index if c.isdigit()), key=int)
            print(s["data"], " ".join(f"{k}:{r[k]:.3g}" for k in ks))
    print("\n(b) learned |DFT|\n")
    print(_row(["model", "params", "data", "n", "fit error", "sensitivity", "Goodfellow"]))
    print(_row(["---"] * 7))
    params = runs.groupby("group").params.first()
    for _, r in table[table.model.isin(["dft_mlp", "exact"])].iterrows():
        cells = [fmt(r[m], r[f"{m}_ci"], 4) for m in ("fit_error", "sensitivity", "goodfellow")]
        print(_row([r.label, params.get(r.config, ""), r.group, r.n, *cells]))
    print("\n(c) classifiers\n")
    print(
        _row(["model", "n", "test acc", "shifted acc", "consistency", "sensitivity", "Goodfellow"])
    )
    print(_row(["---"] * 7))
    for label, part in runs[runs.model.isin(["dft_classifier", "fourier_mlp"])].groupby("label"):
        cells = []
        for m in (*METRICS, "goodfellow"):
            est = mean_ci(part[m].to_numpy(dtype=float))
            cells.append(fmt(est.mean, est.half_width))
        print(_row([label, len(part), *cells]))


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    infinite_width(sys.argv[1])
    if len(sys.argv) > 2:
        learn_dft(sys.argv[2])
