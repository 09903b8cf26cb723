"""One run: build the model, train it, measure it. Pure function of its configuration."""

from __future__ import annotations

import time

import torch

from invlab.models import create_model
from invlab.study.config import RunConfig
from invlab.study.measured import dataset, measure_trained, train_as_configured
from invlab.study.metrics import RunResult
from invlab.train import seeded
from invlab.transforms.spec import parse_transform


def execute_run(config: RunConfig, measure_inputs: int | None = None) -> RunResult:
    """Train and measure the run described by ``config``.

    Seeded by ``config.seed``: the same configuration gives the same numbers (at a fixed torch
    thread count) whichever process or machine runs it.

    Args:
        config: the run.
        measure_inputs: overrides ``config.measure_inputs`` (test inputs measured).

    Returns:
        the run's :class:`~invlab.study.metrics.RunResult`: its metrics (``goodfellow`` and
        ``sensitivity`` read at the last hidden layer, the one before the logits; a metric not
        in ``config.metrics`` is NaN), every layer's values and the accuracy curve.
    """
    if config.kind != "train":
        from invlab.study.kernel_runs import execute_special

        return execute_special(config)
    if measure_inputs is None:
        measure_inputs = config.measure_inputs
    ds = dataset(config.dataset)
    spatial = len(ds.in_shape) - 1
    start = time.perf_counter()
    model = seeded(
        lambda: create_model(
            config.model, in_shape=ds.in_shape, num_classes=ds.num_classes, **config.size
        ),
        config.seed,
    )
    augment = parse_transform(config.augment, spatial) if config.augment else None
    result = train_as_configured(model, config, ds, augment)
    train_seconds = time.perf_counter() - start
    with torch.random.fork_rng(devices=[]):  # a stochastic model's evaluation draws, seeded
        torch.manual_seed(config.seed + 3)
        return measure_trained(model, config, ds, result, train_seconds, measure_inputs)
