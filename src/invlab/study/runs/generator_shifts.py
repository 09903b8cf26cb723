"""A trained model measured along MNIST-1D's own shifts (``RunConfig.shifts = 'generator'``).

Where a ``train`` run rolls each finished test signal (``shifts = 'circular'``), this one takes
the test set regenerated with the generator's translation set to each shift of the run's grid
(:func:`invlab.data.mnist1d_shifts.generator_shifted_test`: the same templates, noise and ramp,
only the translation differs). With the grid ``θ₁ … θ_T`` and ``x_θ`` the regenerated inputs,
the output metrics are the circular runs' estimators (those of
:func:`invlab.study.runs.predictions.grid_metrics`):

- ``transformed_accuracy`` = mean over θ and inputs of ``[argmax f(x_θ) = y]``;
- ``consistency`` = ``P[argmax f(x_θ₁) = argmax f(x_θ₂)]``, θ₁, θ₂ uniform on the grid.

``test_accuracy`` is that of the published test set, as in every run. The per-layer metrics
(``goodfellow``, ``sensitivity``) are not measured here (NaN): they are the circular runs'.
"""

from __future__ import annotations

import time

import torch
from torch.nn.functional import one_hot

from invlab.measure.metrics.consistency import agreement
from invlab.study.runs.output_only import output_metrics
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult
from invlab.train.loop import predict


def measure_generator_shifts(
    model, config: RunConfig, ds, result, train_seconds: float, measure_inputs: int
) -> RunResult:
    """The output metrics of a trained ``model`` along the generator's shifts of ``config``'s
    grid, on the first ``measure_inputs`` test signals (``result``: its TrainResult).

    Raises:
        ValueError: the run's data are not ``mnist1d`` or its transformation is not a shift.
    """
    from invlab.data.mnist1d_shifts import generator_shifted_test
    from invlab.transforms import Shift
    from invlab.transforms.spec import parse_transform

    if config.dataset != "mnist1d":
        raise ValueError(f"shifts='generator' needs dataset 'mnist1d', got {config.dataset!r}")
    transform = parse_transform(config.transform, 1)
    if not isinstance(transform, Shift):
        raise ValueError(f"shifts='generator' needs a shift transform, got {config.transform!r}")
    grid = transform.grid(config.steps)[:, 0]
    start = time.perf_counter()
    moved, y = generator_shifted_test(grid.tolist())
    n = min(measure_inputs, moved.shape[1])
    with torch.no_grad():
        plain = predict(model, ds.x_test)
        along = predict(model, moved[:, :n].flatten(0, 1)).reshape(len(grid), n)
    per_shift = (along == y[:n]).double()  # (T, n)
    scores = one_hot(along.T, ds.num_classes)  # (n, T, classes): the consistency's input
    metrics = output_metrics(
        model,
        result,
        test_accuracy=float((plain == ds.y_test.cpu()).double().mean()),
        transformed_accuracy=float(per_shift.mean()),
        consistency=float(agreement(scores).mean()),
        train_seconds=train_seconds,
        measure_seconds=time.perf_counter() - start,
        grid=f"{config.transform} × {config.steps} (generator)",
        test_points=len(ds.y_test),
        measured_points=n,
    )
    curve = [
        {"param": float(theta), "accuracy": float(acc)}
        for theta, acc in zip(grid, per_shift.mean(1))
    ]
    return RunResult(metrics=metrics, layers=[], curve=curve)
