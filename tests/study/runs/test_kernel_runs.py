"""The run kinds of the infinite-width and learn-dft studies: tiny specs run, store, resume,
and the kernel-run metrics are right where the answer is known."""

from __future__ import annotations

import json
import math

import pytest
import torch

from invlab.data import mnist1d
from invlab.kernels import CNNKernel, KernelRegression, MLPKernel
from invlab.study import ResultStore, RunConfig, SpecError, parse_spec, run_study
from invlab.study.outputs import save_study_figures
from invlab.study.report.limit_figures import extras_table
from invlab.study.runs import execute_run
from invlab.study.runs.kinds.kernel import gd_solve
from invlab.study.runs.predictions import along_grid, grid_metrics

SMALL = {"n_train": 24, "n_test": 12}


def _spec(name, models, **extra):
    return parse_spec({"name": name, "datasets": ["mnist1d"], "models": models, **extra})


INFINITE = [
    {
        "kind": "kernel",
        "name": "mlp",
        "family": "mlp",
        "grid": {"depth": 1, "steps": 20, "lr": 1.0, **SMALL},
    },
    {
        "kind": "kernel",
        "name": "cnn",
        "family": "cnn gap",
        "grid": {"depth": 1, "readout": "gap", **SMALL},
    },
    {
        "kind": "finite",
        "name": "stax_mlp",
        "family": "mlp",
        "grid": {"width": [8, 16], "steps": 3, **SMALL},
    },
]


def test_infinite_width_spec_runs_stores_resumes_and_draws(tmp_path):
    spec = _spec("tiny-iw", INFINITE, seeds=2)
    assert len(spec.runs) == 8 and {r.kind for r in spec.runs} == {"kernel", "finite"}
    db = tmp_path / "r.db"
    assert run_study(spec, db, raise_errors=True) == (8, 0)
    assert run_study(spec, db, raise_errors=True) == (0, 8)  # resumed: nothing recomputed
    with ResultStore(db) as store:
        runs, layers, curves = store.runs(), store.layers(), store.curves()
    assert len(runs) == 8 and (runs.status == "done").all()
    table = extras_table(runs, layers)
    assert {"nngp", "ntk", "ntk_gd", "finite"} <= set(table.group)
    assert (table[table.group == "ntk"].n == 2).all()  # two seeds aggregated
    paths = save_study_figures(runs, layers, curves, tmp_path)
    assert [p.name for p in paths] == ["infinite-width.png"] and paths[0].stat().st_size > 1000


def test_learn_dft_spec_runs_stores_resumes_and_draws(tmp_path):
    models = [
        {
            "kind": "learn-dft",
            "name": "linear",
            "grid": {"data": ["noise", "mnist1d"], "samples": 50, "steps": [5, 20]},
        },
        {"kind": "learn-dft", "name": "exact", "seeds": 1},
        {"kind": "learn-dft", "name": "dft_mlp", "grid": {"width": 8, "depth": 1, "samples": 64}},
        {
            "kind": "learn-dft",
            "name": "dft_classifier",
            "grid": {"width": 8, "depth": 1, "head_width": 8, "head_depth": 1},
        },
    ]
    spec = _spec(
        "tiny-dft",
        models,
        seeds=1,
        training={"epochs": 1, "batch_size": 256},
        measure={"inputs": 100, "steps": 3, "transforms": ["shift:-4:4"]},
    )
    assert len(spec.runs) == 4 + 1 + 1 + 1
    db = tmp_path / "r.db"
    assert run_study(spec, db, raise_errors=True) == (7, 0)
    assert run_study(spec, db, raise_errors=True) == (0, 7)
    with ResultStore(db) as store:
        runs, layers, curves = store.runs(), store.layers(), store.curves()
    exact = runs[runs.model == "exact"].iloc[0]
    assert exact.sensitivity < 1e-10 and exact.final_loss == 0.0  # the reference: invariant
    classifier = runs[runs.model == "dft_classifier"].iloc[0]
    assert 0.0 <= classifier.test_accuracy <= 1.0 and not math.isnan(classifier.consistency)
    assert [p.name for p in save_study_figures(runs, layers, curves, tmp_path)] == ["learn-dft.png"]


def test_gap_kernel_run_is_exactly_invariant_and_matches_kernel_regression():
    size = {"depth": 1, "readout": "gap", "n_train": 40, "n_test": 30}
    m = execute_run(RunConfig(dataset="mnist1d", model="cnn", kind="kernel", size=size)).metrics
    assert m.consistency == 1.0
    assert m.transformed_accuracy == m.test_accuracy
    assert m.sensitivity < 1e-10
    ds = mnist1d()
    model = KernelRegression(CNNKernel(1, readout="gap"), kind="ntk", ridge=1e-4)
    model.fit(ds.x_train[:40], ds.y_train[:40])
    expected = (model(ds.x_test[:30]).argmax(1) == ds.y_test[:30]).double().mean()
    assert m.test_accuracy == pytest.approx(float(expected))


def test_flatten_kernel_run_is_not_invariant():
    size = {"depth": 1, "readout": "flatten", "n_train": 60, "n_test": 40}
    m = execute_run(RunConfig(dataset="mnist1d", model="cnn", kind="kernel", size=size)).metrics
    assert m.sensitivity > 1e-3 and m.consistency < 1.0


def test_grid_metrics_known_answers():
    y = torch.tensor([0, 1, 1, 0])
    scores = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0], [1.0, 0.0]])
    same = grid_metrics(scores, torch.cat([scores, scores]), y)  # T = 2, nothing moves
    assert same["consistency"] == 1.0
    assert same["test_accuracy"] == same["transformed_accuracy"] == 0.75
    # the second grid point flips every prediction: half the T² = 4 pairs agree
    flipped = grid_metrics(scores, torch.cat([scores, scores.flip(1)]), y)
    assert flipped["consistency"] == 0.5 and flipped["transformed_accuracy"] == 0.5


def test_along_grid_is_every_input_at_every_grid_point_of_the_transform():
    from invlab.transforms import Shift

    x = torch.randn(5, 1, 10)
    config = RunConfig(dataset="mnist1d", model="mlp", kind="kernel", transform="shift:-2:2")
    config = RunConfig(**{**config.__dict__, "steps": 5})
    moved = along_grid(config, x).reshape(5, 5, 1, 10)  # (T, n, ...)
    for theta, block in zip(Shift(2).grid(5), moved):
        assert torch.equal(block, Shift(2).apply(x, theta))


def test_gd_solve_converges_to_the_ridgeless_solution_and_rejects_large_lr():
    x = torch.randn(12, 5, dtype=torch.float64)
    k = x @ x.T + 12 * torch.eye(12, dtype=torch.float64)
    y = torch.arange(12) % 3
    late = gd_solve(k, y, 3, steps=5000, lr=0.5)
    placeholder = torch.zeros(12, 1)  # the inputs of the precomputed gram k
    ridgeless = KernelRegression(MLPKernel(1), kind="ntk", ridge=0.0)
    exact = ridgeless.fit(placeholder, y, 3, gram=k).readout.alpha
    assert torch.allclose(k @ late, k @ exact, atol=1e-8)
    early = gd_solve(k, y, 3, steps=1, lr=0.5)  # one step from 0: lr/n · Y
    assert torch.allclose(early, 0.5 / 12 * torch.nn.functional.one_hot(y).double())
    with pytest.raises(ValueError, match="lr"):
        gd_solve(k, y, 3, steps=10, lr=100.0)


def test_linear_dft_run_learns_the_dft_on_noise_not_on_mnist1d():
    threads = torch.get_num_threads()  # tiny matmuls: extra threads only wait on a loaded CPU
    torch.set_num_threads(1)
    try:
        _check_linear_dft()
    finally:
        torch.set_num_threads(threads)


def _check_linear_dft():
    def run(data):
        size = {"data": data, "samples": 400, "steps": 200, "lr": 0.1}
        res = execute_run(RunConfig(dataset="mnist1d", model="linear", kind="learn-dft", size=size))
        extra = {(r["layer"], r["metric"]): r["value"] for r in res.layers}
        return extra

    noise, data = run("noise"), run("mnist1d")
    assert noise[("linear", "weight_error")] < 1e-3
    assert data[("linear", "weight_error")] > 0.05
    assert data[("frequency", "20")] > 10 * data[("frequency", "1")]  # unexcited: not learned


def test_special_kinds_are_validated():
    with pytest.raises(SpecError, match="no model 'resnet'"):
        _spec("bad", [{"kind": "kernel", "name": "resnet"}])
    with pytest.raises(SpecError, match="no size argument 'width'"):
        _spec("bad", [{"kind": "kernel", "name": "mlp", "grid": {"width": 3}}])
    with pytest.raises(SpecError, match="unknown run kind 'kernal'; did you mean 'kernel'"):
        _spec("bad", [{"kind": "kernal", "name": "mlp"}])
    with pytest.raises(ValueError, match="unknown run kind 'magic'"):
        execute_run(RunConfig(dataset="mnist1d", model="mlp", kind="magic"))
    bad = RunConfig(dataset="mnist1d", model="cnn", kind="kernel", size={"n_train": 1})
    with pytest.raises(ValueError, match="n_train"):
        execute_run(bad)


def test_train_runs_keep_their_keys():
    config = RunConfig(dataset="mnist1d", model="mlp")
    assert "kind" not in json.loads(json.dumps(config.as_dict()))
    assert config.label() == "mlp()"
    assert RunConfig(dataset="mnist1d", model="mlp", kind="kernel").label() == "kernel:mlp()"


def test_cli_runs_a_kernel_spec_prints_extras_and_draws(tmp_path):
    from typer.testing import CliRunner

    from invlab.cli import app

    spec = tmp_path / "k.toml"
    spec.write_text(
        'name = "tiny-k"\ndatasets = ["mnist1d"]\n'
        '[[models]]\nkind = "kernel"\nname = "mlp"\nfamily = "mlp"\n'
        "grid = { depth = 1, n_train = 20, n_test = 10 }\n"
        '[[models]]\nkind = "finite"\nname = "stax_mlp"\nfamily = "mlp"\n'
        "grid = { width = 8, steps = 2, n_train = 20, n_test = 10 }\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["study", str(spec), "--out", str(out), "-q", "--no-report"])
    assert result.exit_code == 0, result.output
    assert "[ntk]" in result.output and (out / "tiny-k.png").is_file()
