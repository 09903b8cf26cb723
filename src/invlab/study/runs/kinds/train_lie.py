"""The ``train-lie`` run kind: a ``train`` run that also stores the Lie derivative of every layer
(the local equivariance error of Gruver et al. 2023, :func:`invlab.measure.lie_derivative`) of
the trained model, in the run's per-layer rows (metrics ``lie`` and ``lie_contribution``, mean
over the action's generators, ``'squared'`` aggregation), so that the layer figure and the
``layers`` table show it beside sensitivity and the Goodfellow score.

The continuous action is the run's transformation's (``shift``: band-limited translation;
``rotate``, ``scale``), measured on the run's first ``measure_inputs`` test inputs.
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

    def execute(self, config: RunConfig, device=None) -> RunResult:
        import torch

        from invlab.measure import lie_derivative
        from invlab.train.loop import model_device
        from invlab.transforms.spec import parse_transform

        result, model = execute_train(config, device=device, keep_model=True)
        ds = dataset(config.dataset)
        x = ds.x_test[: config.measure_inputs]
        action = parse_transform(config.transform, len(ds.in_shape) - 1)
        where = model_device(model, torch.device("cpu"))
        table = lie_derivative(model.eval(), x, action, device=where)
        mean = table[table.param == "mean"]
        rows = [
            {"layer": r.layer, "metric": r.metric, "value": float(r.value)}
            for r in mean.itertuples()
        ]
        return RunResult(metrics=result.metrics, layers=result.layers + rows, curve=result.curve)

    def execute_group(self, configs: list[RunConfig], device=None) -> list[RunResult]:
        return [self.execute(config, device) for config in configs]  # not batched
