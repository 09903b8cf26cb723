"""The parameterisation and ensemble runs: finite nets in SP / NTK / μP and ensembles of them run,
store, resume and draw; a diverged run is stored as diverged; an ensemble of one is its member."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from invlab.study import ResultStore, RunConfig, parse_spec, run_study
from invlab.study.outputs import save_study_figures
from invlab.study.report.limit_figures import extras_table
from invlab.study.runs import execute_run, get_kind
from invlab.study.runs.kinds.finite import random_circular_shifts

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = {"n_train": 24, "n_test": 12, "steps": 3}


def _config(kind="finite", **size) -> RunConfig:
    return RunConfig(
        dataset="mnist1d",
        model=size.pop("model", "stax_mlp"),
        kind=kind,
        transform="shift:-8:8",
        steps=3,
        size={**SMALL, **size},
    )


def test_parameterisation_and_ensemble_runs_store_resume_and_draw(tmp_path):
    models = [
        {
            "kind": "finite",
            "name": "stax_mlp",
            "family": "mlp {param}",
            "grid": {"width": [8, 16], "param": ["sp", "ntk", "mup"], "lr": 0.1, **SMALL},
        },
        {
            "kind": "finite",
            "name": "stax_cnn",
            "family": "tune cnn {param}",
            "grid": {"width": 4, "readout": "flatten", "param": "mup", "lr": [0.01, 0.1], **SMALL},
        },
        {"kind": "kernel", "name": "mlp", "grid": {"depth": 1, **SMALL, "lr": 0.1}, "seeds": 1},
        {
            "kind": "ensemble",
            "name": "stax_mlp",
            "family": "ensemble aug={augment_shifts}",
            "grid": {"width": [8, 16], "members": 2, "augment_shifts": [False, True], **SMALL},
        },
    ]
    spec = parse_spec({"name": "tiny", "datasets": ["mnist1d"], "models": models, "seeds": 2})
    assert len(spec.runs) == 12 + 4 + 1 + 8
    db = tmp_path / "r.db"
    assert run_study(spec, db, raise_errors=True) == (25, 0)
    assert run_study(spec, db, raise_errors=True) == (0, 25)  # resumed: nothing recomputed
    with ResultStore(db) as store:
        runs, layers, curves = store.runs(), store.layers(), store.curves()
    assert (runs.status == "done").all()
    table = extras_table(runs, layers)
    members = table[table.group == "members"]
    assert len(members) == 4 and (members.n == 2).all()
    assert {"test_accuracy", "consistency", "sensitivity"} <= set(members.columns)
    paths = {p.name for p in save_study_figures(runs, layers, curves, tmp_path)}
    assert {"parameterisations.png", "ensembles.png"} <= paths


def test_a_diverging_learning_rate_is_stored_as_diverged_not_as_numbers():
    result = execute_run(_config(width=16, param="sp", lr=1e6))
    assert math.isnan(result.metrics.test_accuracy) and math.isnan(result.metrics.consistency)
    assert {"layer": "finite", "metric": "diverged", "value": 1.0} in result.layers
    fine = execute_run(_config(width=16, param="sp", lr=0.1))
    assert {"layer": "finite", "metric": "diverged", "value": 0.0} in fine.layers
    assert 0 <= fine.metrics.consistency <= 1


def test_an_ensemble_of_one_is_its_member():
    member = execute_run(_config(width=16, param="ntk", lr=0.5))
    ensemble = execute_run(_config("ensemble", width=16, param="ntk", lr=0.5, members=1))
    for name in ("train_accuracy", "test_accuracy", "consistency", "sensitivity", "final_loss"):
        assert getattr(ensemble.metrics, name) == pytest.approx(getattr(member.metrics, name))
    assert ensemble.metrics.params == member.metrics.params


def test_a_larger_ensemble_averages_more_networks():
    one = execute_run(_config("ensemble", width=16, lr=0.5, members=1))
    three = execute_run(_config("ensemble", width=16, lr=0.5, members=3))
    assert three.metrics.params == 3 * one.metrics.params
    rows = {(r["layer"], r["metric"]): r["value"] for r in three.layers}
    assert rows[("ensemble", "members")] == 3.0
    assert 0 <= rows[("members", "consistency")] <= 1


def test_random_circular_shifts_roll_every_input_by_its_own_shift():
    x = torch.arange(5 * 2 * 7, dtype=torch.float32).reshape(5, 2, 7)
    torch.manual_seed(4)
    moved = random_circular_shifts(x)
    shifts = []
    for original, rolled in zip(x, moved):
        matches = [s for s in range(7) if torch.equal(torch.roll(original, s, -1), rolled)]
        assert len(matches) == 1  # one circular shift, the same for both channels
        shifts += matches
    assert len(set(shifts)) > 1


@pytest.mark.parametrize(
    ("kind", "size", "message"),
    [
        ("finite", {"param": "mf"}, r"parameterisation must be one of .*got 'mf'"),
        ("finite", {"param": "mup", "model": "stax_cnn", "readout": "gap"}, "readout must be"),
        ("finite", {"lr": -1.0}, r"steps must be >= 1 and lr > 0, got steps=3, lr=-1.0"),
        ("ensemble", {"members": 0}, "members must be an integer >= 1, got 0"),
        ("ensemble", {"augment_shifts": "yes"}, "augment_shifts must be true or false, got 'yes'"),
    ],
)
def test_bad_options_are_refused_before_any_run(kind, size, message):
    config = _config(kind, width=8, **size)
    with pytest.raises(ValueError, match=message):
        get_kind(kind).check_fits(config, (1, 40), 10)


def test_without_param_the_finite_run_is_the_stax_twin_unchanged():
    stax = execute_run(_config(width=16, lr=0.5))
    ntk = execute_run(replace(_config(width=16, lr=0.5, param="ntk")))
    assert ntk.metrics.test_accuracy == stax.metrics.test_accuracy
    assert ntk.metrics.final_loss == stax.metrics.final_loss
