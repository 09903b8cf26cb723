"""The ``train`` run kind: a zoo model (:func:`invlab.models.create_model`) trained with
:func:`invlab.train.train` and measured at every layer with :func:`invlab.measure.measure`."""

from __future__ import annotations

from collections.abc import Collection

import torch

from invlab.study.runs.common import (
    build_and_train,
    dataset,
    measure_trained,
    training_options,
)
from invlab.study.runs.registry import RunKind, register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult


@register
class Train(RunKind):
    """Train a zoo model, then measure its invariance layer by layer."""

    name = "train"
    description = "a zoo model trained (Adam, optional augmentation) and measured per layer"
    figures = ("size", "curve", "layers")
    sized = True

    def models(self) -> list[str]:
        from invlab.models import list_models

        return list_models()

    def size_arguments(self, model: str, grid: dict) -> Collection[str]:
        from invlab.models import list_models, model_signature

        allowed = model_signature(model)
        if "base" in allowed:  # a wrapper (symmetric): other arguments size its base model
            base = grid.get("base", allowed["base"])
            if isinstance(base, str) and base in list_models():
                allowed = {**model_signature(base), **allowed}
        return allowed

    def check_fits(self, config: RunConfig, in_shape, num_classes) -> None:
        from invlab.models import create_model

        create_model(config.model, in_shape=in_shape, num_classes=num_classes, **config.size)

    def execute(self, config: RunConfig, device=None) -> RunResult:
        return execute_train(config, device=device)

    def execute_group(self, configs: list[RunConfig], device=None) -> list[RunResult]:
        return execute_train_together(configs, device=device)


def execute_train(
    config: RunConfig, measure_inputs: int | None = None, device=None, keep_model: bool = False
):
    """Train and measure the run described by ``config``.

    Seeded by ``config.seed``: the same configuration gives the same numbers (at a fixed torch
    thread count) whichever process or machine runs it.

    Args:
        config: the run.
        measure_inputs: overrides ``config.measure_inputs`` (test inputs measured).
        device: where the model trains and is measured (default the CPU); the data move there.
        keep_model: return ``(result, trained model)`` instead of the result alone.

    Returns:
        the run's :class:`~invlab.study.store.records.RunResult`: its metrics (``goodfellow``
        and ``sensitivity`` read at the representation the model's read-out reads; a metric
        not in ``config.metrics`` is NaN), every layer's values and the accuracy curve.
    """
    if measure_inputs is None:
        measure_inputs = config.measure_inputs
    ds = dataset(config.dataset)
    model, result, train_seconds = build_and_train(config, ds, device)
    with torch.random.fork_rng(devices=[]):  # a stochastic model's evaluation draws, seeded
        torch.manual_seed(config.seed + 3)
        measured = measure_trained(model, config, ds, result, train_seconds, measure_inputs)
    return (measured, model) if keep_model else measured


def execute_train_together(configs: list[RunConfig], device=None, keep_models: bool = False):
    """The seeds ``configs`` of one configuration trained as one batched model
    (:func:`invlab.train.train_together`: each member's initialisation, minibatch order and
    augmentation are its serial run's), then each measured as :func:`execute_train` does
    (``keep_models``: a list of ``(result, trained model)`` instead of the results).

    Raises:
        ValueError: ``configs`` are not the seeds of one configuration.
    """
    from invlab.models import create_model
    from invlab.train import train_together
    from invlab.transforms.spec import parse_transform

    first = configs[0]
    if any(c.group_key() != first.group_key() for c in configs):
        raise ValueError("configs must be the seeds of one configuration (one group_key)")
    ds = dataset(first.dataset)
    spatial = len(ds.in_shape) - 1

    def build():
        model = create_model(
            first.model, in_shape=ds.in_shape, num_classes=ds.num_classes, **first.size
        )
        return model if device is None else model.to(device)

    augment = parse_transform(first.augment, spatial) if first.augment else None
    seeds, options = [c.seed for c in configs], training_options(first)
    trained = train_together(build, seeds, ds.x_train, ds.y_train, augment=augment, **options)
    results = []
    for config, (model, result) in zip(configs, trained):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed + 3)
            measured = measure_trained(
                model, config, ds, result, result.seconds, config.measure_inputs
            )
        results.append((measured, model) if keep_models else measured)
    return results
