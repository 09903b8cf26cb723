"""What every run kind shares: the cached datasets, the measurement of a trained model into a
:class:`~invlab.study.store.records.RunResult`, and the rows of a run's extra values."""

from __future__ import annotations

import math
import time
from functools import lru_cache

import torch

from invlab.data import Dataset, load_dataset
from invlab.measure import dead_units, measure
from invlab.models import count_parameters, readout_input
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunMetrics, RunResult
from invlab.train import accuracy, train
from invlab.train.loop import model_device
from invlab.transforms.spec import parse_transform


@lru_cache(maxsize=4)
def dataset(name: str) -> Dataset:
    return load_dataset(name)


def extras(group: str, values: dict[str, float]) -> list[dict]:
    """Extras rows of one group (the run's ``layers`` JSON)."""
    return [{"layer": group, "metric": k, "value": float(v)} for k, v in values.items()]


def grid_text(config: RunConfig) -> str:
    """How a run's measurement grid is stored beside its values, e.g. ``shift:-10:10 × 9``:
    the transformation and the number of grid points of :meth:`Transform.grid`."""
    return f"{config.transform} × {config.steps}"


def training_options(config: RunConfig) -> dict:
    """``config``'s epochs, batch size, learning rate, schedule and target loss (matched
    fit), as the keyword arguments of :func:`invlab.train.train` and
    :func:`invlab.train.train_together` alike."""
    return {
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "lr": config.lr,
        "schedule": config.schedule,
        "target_loss": config.target_loss,
    }


def train_as_configured(model, config: RunConfig, ds: Dataset, augment=None):
    """:func:`invlab.train.train` on ``ds``'s training split with ``config``'s
    :func:`training_options` and seed: the one training call of every run kind."""
    options = training_options(config)
    return train(model, ds.x_train, ds.y_train, augment=augment, seed=config.seed, **options)


def measure_trained(model, config, ds, result, train_seconds, measure_inputs) -> RunResult:
    """Measure a trained ``model`` as :func:`execute_run` does (``result``: its TrainResult);
    along MNIST-1D's own shifts for ``config.shifts == 'generator'``
    (:mod:`invlab.study.runs.generator_shifts`)."""
    if config.shifts == "generator":
        from invlab.study.runs.generator_shifts import measure_generator_shifts

        return measure_generator_shifts(model, config, ds, result, train_seconds, measure_inputs)
    spatial = len(ds.in_shape) - 1
    x, y = ds.x_test[:measure_inputs], ds.y_test[:measure_inputs]
    transform = parse_transform(config.transform, spatial)
    start = time.perf_counter()
    with torch.no_grad():
        table = measure(
            model,
            (x, y),
            transform,
            metrics=config.metrics,
            steps=config.steps,
            model_name=config.label(),
            device=model_device(model, torch.device("cpu")),
        )
    measure_seconds = time.perf_counter() - start

    probe = readout_input(model)  # one role in every model: what the read-out reads
    per_layer = table[table.metric.isin(["goodfellow", "sensitivity"])]
    read = per_layer.set_index(["layer", "metric"]).value

    def output_metric(metric: str, param=None) -> float:
        rows = table[table.metric == metric]
        if param is not None:
            rows = rows[rows.param == param]
        return float(rows.value.iloc[0]) if len(rows) else math.nan

    def probe_metric(metric: str) -> float:
        return float(read[(probe, metric)]) if (probe, metric) in read.index else math.nan

    metrics = RunMetrics(
        params=count_parameters(model),
        train_accuracy=result.train_accuracy,
        test_accuracy=accuracy(model, ds.x_test, ds.y_test),
        transformed_accuracy=output_metric("accuracy", "mean"),
        consistency=output_metric("consistency"),
        probe_layer=probe or "",
        goodfellow=probe_metric("goodfellow"),
        sensitivity=probe_metric("sensitivity"),
        train_seconds=train_seconds,
        measure_seconds=measure_seconds,
        final_loss=result.losses[-1],
        grid=grid_text(config),
        test_points=len(ds.x_test),
        measured_points=len(x),
        fit_loss=result.fit_loss,
        epochs_run=result.epochs,
        target_reached=(
            math.nan if result.target_reached is None else float(result.target_reached)
        ),
    )
    layers = [
        {"layer": r.layer, "metric": r.metric, "value": float(r.value)}
        for r in per_layer.itertuples()
    ]
    # dead ReLUs make a layer narrower than its width: stored beside its invariance (#24)
    for layer, (dead, units) in dead_units(model, x).items():
        layers.append({"layer": layer, "metric": "dead_units", "value": float(dead)})
        layers.append({"layer": layer, "metric": "dead_fraction", "value": dead / units})
    along = table[(table.metric == "accuracy") & (table.param != "mean")]
    curve = [{"param": _plain(r.param), "accuracy": float(r.value)} for r in along.itertuples()]
    return RunResult(metrics=metrics, layers=layers, curve=curve)


def _plain(param):
    """A JSON-friendly transformation parameter (numbers stay numbers)."""
    try:
        return float(param)
    except (TypeError, ValueError):
        return str(param)
