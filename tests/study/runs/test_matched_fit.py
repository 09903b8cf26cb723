"""Matched fit in studies: the ``target_loss`` of a run configuration and a spec, what a train
run stores about its fit (epochs used, target reached, dead units), and old stores still read."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from invlab.study.runs import get_kind
from invlab.study.spec.run_config import RunConfig
from invlab.study.spec.study_file import SpecError, parse_spec
from invlab.study.store.records import RunMetrics
from invlab.train import training_loss

BASE = RunConfig(dataset="mnist1d", model="mlp", size={"width": 32, "depth": 1})


def test_default_target_leaves_existing_keys_unchanged():
    # the key a run had before target_loss existed (the field is left out at its default)
    assert "target_loss" not in BASE.as_dict()
    assert BASE.key() == RunConfig.from_dict(BASE.as_dict()).key()
    with_target = replace(BASE, target_loss=0.05)
    assert with_target.as_dict()["target_loss"] == 0.05
    assert with_target.key() != BASE.key()
    back = RunConfig.from_dict(with_target.as_dict())
    assert back.target_loss == 0.05 and back.key() == with_target.key()


def _spec(**parts):
    data = {
        "name": "t",
        "datasets": ["mnist1d"],
        "models": [{"name": "mlp", "grid": {"width": 8, "depth": 1}}],
    }
    data.update(parts)
    return parse_spec(data)


def test_spec_target_from_training_entry_or_regime():
    assert _spec().runs[0].target_loss is None
    assert _spec(training={"target_loss": 0.1}).runs[0].target_loss == 0.1
    models = [
        {"name": "mlp", "grid": {"width": 8, "depth": 1}, "target_loss": 0.2},
        {"name": "mlp", "grid": {"width": 16, "depth": 1}},
    ]
    runs = _spec(training={"target_loss": 0.1}, models=models).runs
    assert [r.target_loss for r in runs] == [0.2, 0.1]
    regimes = [{"name": "plain", "target_loss": 0.3}]
    assert _spec(models=models, regimes=regimes).runs[0].target_loss == 0.3


@pytest.mark.parametrize("bad", [0, -0.5, "low", float("inf")])
def test_spec_bad_target_refused(bad):
    with pytest.raises(SpecError, match=r"training\.target_loss"):
        _spec(training={"target_loss": bad})


def test_metrics_stored_before_the_fit_fields_still_read():
    old = {
        "params": 1, "train_accuracy": 0.5, "test_accuracy": 0.5, "transformed_accuracy": 0.4,
        "consistency": 0.5, "probe_layer": "hidden1", "goodfellow": 20.0, "sensitivity": 0.3,
        "train_seconds": 1.0, "measure_seconds": 1.0, "final_loss": 1.2, "grid": "",
    }  # fmt: skip
    metrics = RunMetrics.from_dict(old)
    assert math.isnan(metrics.fit_loss) and math.isnan(metrics.epochs_run)
    assert math.isnan(metrics.target_reached)
    with pytest.raises(ValueError, match="missing \\['params'\\]"):
        RunMetrics.from_dict({k: v for k, v in old.items() if k != "params"})


MEASURE = dict(measure_inputs=100, steps=3, transform="shift:-2:2", epochs=40, lr=3e-3)


@pytest.fixture(scope="module")
def fitted():
    """One train run of the study machinery with a reachable target, and its model."""
    from invlab.study.runs.kinds.train import execute_train

    config = replace(BASE, target_loss=1.4, **MEASURE)
    return config, *execute_train(config, keep_model=True)


def test_train_run_stores_its_matched_fit(fitted):
    from invlab.study.runs.common import dataset

    config, result, model = fitted
    m = result.metrics
    ds = dataset("mnist1d")
    assert m.target_reached == 1.0
    assert 1 <= m.epochs_run < config.epochs
    assert m.fit_loss <= config.target_loss
    assert m.fit_loss == pytest.approx(training_loss(model, ds.x_train, ds.y_train), abs=1e-5)
    dead = {r["layer"]: r["value"] for r in result.layers if r["metric"] == "dead_units"}
    fraction = {r["layer"]: r["value"] for r in result.layers if r["metric"] == "dead_fraction"}
    assert list(dead) == ["hidden1"] and fraction["hidden1"] == dead["hidden1"] / 32


def test_train_run_that_misses_its_target(fitted):
    from invlab.study.runs.kinds.train import execute_train

    config = replace(BASE, target_loss=1e-3, **{**MEASURE, "epochs": 1})
    m = execute_train(config).metrics
    assert m.target_reached == 0.0 and m.epochs_run == 1 and m.fit_loss > 1e-3


def test_batched_seeds_store_the_serial_runs_fit(fitted):
    config, serial, _ = fitted
    seeds = [replace(config, seed=s) for s in (0, 1)]
    together = get_kind("train").execute_group(seeds)
    assert together[0].metrics.epochs_run == serial.metrics.epochs_run
    assert together[0].metrics.fit_loss == pytest.approx(serial.metrics.fit_loss, abs=1e-4)
    assert all(r.metrics.target_reached == 1.0 for r in together)
