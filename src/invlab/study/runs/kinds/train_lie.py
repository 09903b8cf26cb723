"""The ``train-lie`` run kind: a ``train`` run that also stores the Lie derivative of every layer
(the local equivariance error of Gruver et al. 2023, :func:`invlab.measure.lie_derivative`) of
the trained model, in the run's per-layer rows, so that the layer figure and the ``layers``
table show it beside sensitivity and the Goodfellow score.

Per layer, mean over the action's generators, ``'squared'`` aggregation: ``lie`` (the layer's
own LEE), ``lie_contribution`` (its share of the output's) and ``lie_relative`` (the LEE over
the layer's spread across the inputs, :mod:`invlab.measure.metrics.lie`). The continuous
action is the run's transformation's (``shift``: band-limited translation; ``rotate``,
``scale``), measured on the run's first ``measure_inputs`` test inputs. Two options of the run
configuration extend it:

* ``lie_transforms``: measure each of these transformations instead, the metrics suffixed
  with its kind (``lie_shift``, ``lie_relative_rotate``, ...);
* ``measure_at_init``: measure the model as initialised too (the same seed's weights, before
  training), the metrics prefixed ``init_`` (``init_lie_relative_scale``, ...).
"""

from __future__ import annotations

from invlab.study.runs.common import dataset
from invlab.study.runs.kinds.train import Train, execute_train
from invlab.study.runs.registry import register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult


@register
class TrainLie(Train):
    """Train a zoo model, measure it per layer, and add each layer's Lie derivative."""

    name = "train-lie"
    description = "a train run plus the Lie derivative (local equivariance error) of every layer"
    figures = ("size", "curve", "layers", "lie", "lie-augmented")

    def execute(self, config: RunConfig, device=None) -> RunResult:
        from invlab.models import create_model
        from invlab.train import seeded

        ds = dataset(config.dataset)
        rows = []
        if config.measure_at_init:
            initial = seeded(  # the weights the trained model starts from
                lambda: create_model(
                    config.model, in_shape=ds.in_shape, num_classes=ds.num_classes, **config.size
                ),
                config.seed,
            )
            if device is not None:
                initial = initial.to(device)
            rows += lie_layer_rows(initial, config, prefix="init_")
        result, model = execute_train(config, device=device, keep_model=True)
        rows += lie_layer_rows(model, config)
        return RunResult(metrics=result.metrics, layers=result.layers + rows, curve=result.curve)

    def execute_group(self, configs: list[RunConfig], device=None) -> list[RunResult]:
        return [self.execute(config, device) for config in configs]  # not batched


def lie_layer_rows(model, config: RunConfig, prefix: str = "") -> list[dict]:
    """The per-layer rows ``{layer, metric, value}`` of ``model``'s Lie derivative under the
    run's transformation(s) (see the module docstring for the metric names)."""
    import torch

    from invlab.measure import lie_derivative
    from invlab.train.loop import model_device
    from invlab.transforms.spec import parse_transform

    ds = dataset(config.dataset)
    x = ds.x_test[: config.measure_inputs]
    spatial = len(ds.in_shape) - 1
    where = model_device(model, torch.device("cpu"))
    named = [(s, "_" + s.split(":")[0].strip().lower()) for s in config.lie_transforms]
    rows = []
    for spec, suffix in named or [(config.transform, "")]:
        table = lie_derivative(model.eval(), x, parse_transform(spec, spatial), device=where)
        rows += [
            {"layer": r.layer, "metric": f"{prefix}{r.metric}{suffix}", "value": float(r.value)}
            for r in table[table.param == "mean"].itertuples()
        ]
    return rows
