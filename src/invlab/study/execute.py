"""One run: build the model, train it, measure it. Pure function of its configuration."""

from __future__ import annotations

import time
from functools import lru_cache

import torch

from invlab.data import Dataset, load_dataset
from invlab.measure import measure
from invlab.models import count_parameters, create_model, layer_names
from invlab.study.spec import RunConfig
from invlab.train import accuracy, seeded, train
from invlab.transforms.spec import parse_transform


@lru_cache(maxsize=4)
def _dataset(name: str) -> Dataset:
    return load_dataset(name)


def execute_run(config: RunConfig, measure_inputs: int = 1000) -> dict:
    """Train and measure the run described by ``config``.

    Returns:
        ``{"metrics": {...}, "layers": [{"layer", "metric", "value"}, ...]}`` where metrics
        holds ``params, train_accuracy, test_accuracy, shifted_accuracy, consistency,
        goodfellow, sensitivity`` (the last two read at the last hidden layer, the one before
        the logits) and timings.
    """
    ds = _dataset(config.dataset)
    spatial = len(ds.in_shape) - 1
    start = time.perf_counter()
    model = seeded(
        lambda: create_model(
            config.model, in_shape=ds.in_shape, num_classes=ds.num_classes, **config.size
        ),
        config.seed,
    )
    augment = parse_transform(config.augment, spatial) if config.augment else None
    result = train(
        model,
        ds.x_train,
        ds.y_train,
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        augment=augment,
        seed=config.seed,
    )
    train_seconds = time.perf_counter() - start

    x, y = ds.x_test[:measure_inputs], ds.y_test[:measure_inputs]
    transform = parse_transform(config.transform, spatial)
    start = time.perf_counter()
    with torch.no_grad():
        table = measure(
            model,
            x,
            transform,
            y,
            steps=config.steps,
            seed=config.seed,
            model_name=config.label(),
        )
    measure_seconds = time.perf_counter() - start

    names = layer_names(model)
    probe = names[-2] if len(names) >= 2 else names[-1]  # the last hidden representation
    per_layer = table[table.metric.isin(["goodfellow", "sensitivity"])]
    read = per_layer.set_index(["layer", "metric"]).value

    def output_metric(metric: str, param=None) -> float:
        rows = table[table.metric == metric]
        if param is not None:
            rows = rows[rows.param == param]
        return float(rows.value.iloc[0])

    metrics = {
        "params": count_parameters(model),
        "train_accuracy": result.train_accuracy,
        "test_accuracy": accuracy(model, ds.x_test, ds.y_test),
        "shifted_accuracy": output_metric("accuracy", "mean"),
        "consistency": output_metric("consistency"),
        "probe_layer": probe,
        "goodfellow": float(read[(probe, "goodfellow")]),
        "sensitivity": float(read[(probe, "sensitivity")]),
        "train_seconds": train_seconds,
        "measure_seconds": measure_seconds,
        "final_loss": result.losses[-1],
    }
    layers = [
        {"layer": r.layer, "metric": r.metric, "value": float(r.value)}
        for r in per_layer.itertuples()
    ]
    return {"metrics": metrics, "layers": layers}
