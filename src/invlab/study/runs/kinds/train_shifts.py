"""The ``train-shifts`` run kind: a ``train`` run measured under circular shifts (the run's
``transform``) that also stores, from the same trained model:

* ``noncircular``: accuracy and consistency under the same shifts made non-circular, i.e. the
  window moved over a zero canvas (``Shift(mode='zeros')``: the input padded with zeros on both
  sides and the shifted window cropped), which is what a translated object in a larger scene
  looks like to a network that does not wrap around;
* ``noncircular curve``: the accuracy at every shift of that grid;
* ``period``: ``lag L`` = the share of (input, shift ``s``) pairs of the circular grid whose
  predicted class at ``s`` and ``s + L`` agree (``L = 1, 2, 4, 8, 16``): a network whose ``k``
  stride-2 subsamplings act on circular signals is exactly invariant to shifts by multiples of
  ``2^k``, so lag ``2^k`` agrees at 1.0 and the accuracy curve repeats with that period; and
  ``subsamplings``: ``k = log2(N / n)`` for an input of ``N`` samples whose read-out's pooled
  map has ``n``.
"""

from __future__ import annotations

import math

import torch

from invlab.study.runs.common import dataset, extras
from invlab.study.runs.kinds.train import Train, execute_train, execute_train_together
from invlab.study.runs.registry import register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult

LAGS = (1, 2, 4, 8, 16)


@register
class TrainShifts(Train):
    """Train a zoo model; measure it under circular and non-circular shifts, and the period."""

    name = "train-shifts"
    description = (
        "a train run under circular shifts, plus non-circular (zero-canvas) shifts and the "
        "period of its predictions along the shift"
    )

    def check_fits(self, config: RunConfig, in_shape, num_classes) -> None:
        super().check_fits(config, in_shape, num_classes)
        _circular_shift(config, len(in_shape) - 1)

    def execute(self, config: RunConfig, device=None) -> RunResult:
        result, model = execute_train(config, device=device, keep_model=True)
        return _with_shift_extras(config, result, model)

    def execute_group(self, configs: list[RunConfig], device=None) -> list[RunResult]:
        trained = execute_train_together(configs, device=device, keep_models=True)
        return [_with_shift_extras(c, r, m) for c, (r, m) in zip(configs, trained)]


def _circular_shift(config: RunConfig, spatial: int):
    from invlab.transforms import Shift
    from invlab.transforms.spec import parse_transform

    circular = parse_transform(config.transform, spatial)
    if not isinstance(circular, Shift) or circular.mode != "circular":
        raise ValueError(
            f"kind 'train-shifts' measures circular shifts: transform must be like "
            f"'shift:-10:10', got {config.transform!r}"
        )
    return circular


def _with_shift_extras(config: RunConfig, result: RunResult, model) -> RunResult:
    from invlab.measure.metrics.consistency import agreement
    from invlab.train.loop import model_device
    from invlab.transforms import Shift

    ds = dataset(config.dataset)
    spatial = len(ds.in_shape) - 1
    circular = _circular_shift(config, spatial)
    zeros = Shift(shift_range=(circular.low, circular.high), dims=spatial, mode="zeros")
    grid = circular.grid(config.steps)  # (T, dims)
    where = model_device(model, torch.device("cpu"))
    x = ds.x_test[: config.measure_inputs].to(where)
    y = ds.y_test[: config.measure_inputs].to(where)
    model.eval()

    def logits_along(transform) -> torch.Tensor:  # (B, T, classes)
        with torch.no_grad():
            return torch.stack(
                [model(transform.apply(x, g.expand(len(x), -1).to(where))) for g in grid], 1
            )

    rows = []
    out = logits_along(zeros)
    hits = (out.argmax(-1) == y[:, None]).double()
    rows += extras(
        "noncircular",
        {"accuracy": hits.mean(), "consistency": agreement(out).mean()},
    )
    rows += extras("noncircular curve", {f"{float(g[0]):g}": h for g, h in zip(grid, hits.mean(0))})

    pred = logits_along(circular).argmax(-1)  # (B, T)
    shifts = [int(g[0]) for g in grid]
    at = {s: i for i, s in enumerate(shifts)}
    lags = {}
    for lag in LAGS:
        pairs = [(at[s], at[s + lag]) for s in shifts if s + lag in at]
        if pairs:
            i, j = zip(*pairs)
            lags[f"lag {lag}"] = (pred[:, list(i)] == pred[:, list(j)]).double().mean()
    rows += extras("period", {**lags, "subsamplings": _subsamplings(model, x[:2])})
    return RunResult(metrics=result.metrics, layers=result.layers + rows, curve=result.curve)


def _subsamplings(model, x: torch.Tensor) -> float:
    """``log2(N / n)``: ``N`` input samples along the last axis, ``n`` in the map that the
    read-out's global pooling (stage ``pool``) receives."""
    seen = {}
    pool = dict(model.named_children()).get("pool")
    if pool is None:
        return math.nan

    def record(module, args, out) -> None:
        seen["n"] = args[0].shape[-1]

    hook = pool.register_forward_hook(record)
    try:
        with torch.no_grad():
            model(x)
    finally:
        hook.remove()
    return math.log2(x.shape[-1] / seen["n"])
