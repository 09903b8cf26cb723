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
from invlab.study.runs.group_equivariance import group_equivariance
from invlab.study.spec.run_config import OPTIONAL_METRICS, RunConfig
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
    """``config``'s epochs, batch size, learning rate, schedule, target loss (matched
    fit) and augmented classes, as the keyword arguments of :func:`invlab.train.train` and
    :func:`invlab.train.train_together` alike."""
    return {
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "lr": config.lr,
        "schedule": config.schedule,
        "target_loss": config.target_loss,
        "augment_classes": config.augment_classes,
    }


def train_as_configured(model, config: RunConfig, ds: Dataset, augment=None):
    """:func:`invlab.train.train` on ``ds``'s training split with ``config``'s
    :func:`training_options` and seed: the one training call of every run kind."""
    options = training_options(config)
    return train(model, ds.x_train, ds.y_train, augment=augment, seed=config.seed, **options)


def build_and_train(config: RunConfig, ds: Dataset, device=None):
    """``config``'s model, built under its seed, moved to ``device`` and trained by
    :func:`train_as_configured` with its augmentation: ``(model, train result, seconds)``."""
    from invlab.models import create_model
    from invlab.train import seeded

    start = time.perf_counter()
    model = seeded(
        lambda: create_model(
            config.model, in_shape=ds.in_shape, num_classes=ds.num_classes, **config.size
        ),
        config.seed,
    )
    if device is not None:
        model = model.to(device)
    spatial = len(ds.in_shape) - 1
    augment = parse_transform(config.augment, spatial) if config.augment else None
    result = train_as_configured(model, config, ds, augment)
    return model, result, time.perf_counter() - start


def measure_trained(model, config, ds, result, train_seconds, measure_inputs) -> RunResult:
    """Measure a trained ``model`` as :func:`execute_run` does (``result``: its TrainResult);
    along MNIST-1D's own shifts for ``config.shifts == 'generator'``
    (:mod:`invlab.study.runs.generator_shifts`).

    Beside the per-layer rows, ``layers`` holds three extras groups where they apply:
    ``class_split`` (``config.split_classes``: :func:`class_split`), ``learned_range``
    (a model with :class:`~invlab.nn.LearnedAugment`: :func:`learned_ranges`) and
    ``equivariance`` (a G-CNN with ``'equivariance'`` in ``config.metrics``:
    :func:`~invlab.study.runs.group_equivariance.group_equivariance`).
    """
    if config.shifts == "generator":
        from invlab.study.runs.generator_shifts import measure_generator_shifts

        return measure_generator_shifts(model, config, ds, result, train_seconds, measure_inputs)
    x, y = ds.x_test[:measure_inputs], ds.y_test[:measure_inputs]
    start = time.perf_counter()
    grid_metrics = [m for m in config.metrics if m not in OPTIONAL_METRICS]
    table = _measure(model, config, x, y, grid_metrics)
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
    if config.split_classes is not None:
        layers += extras("class_split", class_split(model, config, x, y))
    layers += extras("learned_range", learned_ranges(model))
    if "equivariance" in config.metrics:
        layers += extras("equivariance", group_equivariance(model, x))
    along = table[(table.metric == "accuracy") & (table.param != "mean")]
    curve = [{"param": _plain(r.param), "accuracy": float(r.value)} for r in along.itertuples()]
    return RunResult(metrics=metrics, layers=layers, curve=curve)


def _measure(model, config: RunConfig, x, y, metrics):
    transform = parse_transform(config.transform, x.dim() - 2)
    with torch.no_grad():
        return measure(
            model,
            (x, y),
            transform,
            metrics=metrics,
            steps=config.steps,
            model_name=config.label(),
            device=model_device(model, torch.device("cpu")),
        )


def class_split(model, config: RunConfig, x, y) -> dict[str, float]:
    """The run's metrics on the measured inputs of ``config.split_classes`` (``in_``) and of
    the other classes (``out_``): ``test_accuracy`` (upright), ``accuracy`` (mean over the
    grid), ``consistency`` and ``sensitivity`` (at the read-out's input), and the number of
    inputs ``n``. With augmentation of some classes only (``augment_classes``), the ``out_``
    values say whether the invariance learned on the augmented classes carries over to
    classes never seen transformed."""
    chosen = torch.isin(y, torch.tensor(config.split_classes, dtype=y.dtype))
    probe = readout_input(model)
    values = {}
    for part, mask in (("in", chosen), ("out", ~chosen)):
        if not mask.any():
            raise ValueError(
                f"split_classes={list(config.split_classes)}: no measured input is "
                f"{'in' if part == 'in' else 'outside'} these classes"
            )
        metrics = ("sensitivity", "consistency", "accuracy")
        table = _measure(model, config, x[mask], y[mask], metrics)
        values[f"{part}_test_accuracy"] = accuracy(model, x[mask], y[mask])
        values[f"{part}_accuracy"] = _pick(table, "accuracy", "mean")
        values[f"{part}_consistency"] = _pick(table, "consistency")
        values[f"{part}_sensitivity"] = _pick(table, "sensitivity", layer=probe)
        values[f"{part}_n"] = int(mask.sum())
    return values


def _pick(table, metric: str, param=None, layer=None) -> float:
    rows = table[table.metric == metric]
    if param is not None:
        rows = rows[rows.param == param]
    if layer is not None:
        rows = rows[rows.layer == layer]
    return float(rows.value.iloc[0]) if len(rows) else math.nan


def learned_ranges(model) -> dict[str, float]:
    """The half-widths a :class:`~invlab.nn.LearnedAugment` inside ``model`` learned, by
    generator: ``rotate`` in degrees (the copies are turned by up to ``±`` that), the others
    in their own units (normalised coordinates, log-scale); empty without one."""
    from invlab.nn import LearnedAugment

    found = [m for m in model.modules() if isinstance(m, LearnedAugment)]
    if not found:
        return {}
    widths = found[0].widths()
    return {
        (f"{name}_deg" if name == "rotate" else name): (math.degrees(w) if name == "rotate" else w)
        for name, w in widths.items()
    }


def _plain(param):
    """A JSON-friendly transformation parameter (numbers stay numbers)."""
    try:
        return float(param)
    except (TypeError, ValueError):
        return str(param)
