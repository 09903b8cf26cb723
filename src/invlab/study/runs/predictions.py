"""What the kernel and finite run kinds share: the data subset they use, their inputs moved
along the run's transformation grid, and the metrics of their class scores, with the same
estimators as every ``train`` run (:mod:`invlab.measure`).

For a run with transformation ``T`` (``RunConfig.transform``) and ``steps`` grid points
``θ₁ … θ_T`` (``T.grid(steps)``, the grid a ``train`` run is measured on):

- ``test_accuracy``: accuracy on the untransformed test subset;
- ``transformed_accuracy``: accuracy averaged over the grid (every input at every ``θ``);
- ``consistency``: ``P[argmax f(g₁x) = argmax f(g₂x)]``, ``g₁, g₂`` uniform on the grid
  (Zhang 2019; :func:`invlab.measure.metrics.consistency.agreement`, the train runs' estimator);
- ``sensitivity``: of the representation the read-out reads, ``mean_θ E‖φ(g_θx) − φ(x)‖² /
  E_{x≠x′}‖φ(x′) − φ(x)‖²`` (``SensitivityAccumulator`` of
  :mod:`invlab.measure.metrics.sensitivity` for a finite network's features; from kernel values
  for a kernel, :func:`kernel_sensitivity`).

The grid is stored with the run (``RunMetrics.grid``).
"""

from __future__ import annotations

import math

import torch

from invlab.data import Dataset
from invlab.study.runs.common import grid_text
from invlab.study.runs.registry import RunKind
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunMetrics

__all__ = ["SubsetKind", "along_grid", "data_subset", "feature_sensitivity", "grid_metrics"]
__all__ += ["grid_text", "kernel_sensitivity", "subset_metrics"]

COMMON_SIZE = ("n_train", "n_test")
"""The size arguments of every kernel and finite model: the data subset."""


class SubsetKind(RunKind):
    """A kernel or finite run kind: fitted on a subset, no parameter-count trends, its extra
    values (the NNGP's beside the NTK's, the width) in the run's ``layers`` rows, drawn in the
    ``infinite-width`` figure."""

    figures = ("infinite-width",)
    sized = False
    extras = True


def subset_metrics(
    config: RunConfig,
    found: dict,
    *,
    params: int,
    probe_layer: str,
    sensitivity: float,
    train_seconds: float,
    measure_seconds: float,
    test_points: int,
) -> RunMetrics:
    """A kernel or finite run's record: ``found`` holds its ``train_accuracy``,
    ``test_accuracy``, ``transformed_accuracy``, ``consistency`` (:func:`grid_metrics`) and
    ``final_loss``; no Goodfellow score (no units to threshold); its grid and the number of
    test inputs (all of them measured) beside them."""
    return RunMetrics(
        params=params,
        train_accuracy=found["train_accuracy"],
        test_accuracy=found["test_accuracy"],
        transformed_accuracy=found["transformed_accuracy"],
        consistency=found["consistency"],
        probe_layer=probe_layer,
        goodfellow=math.nan,
        sensitivity=sensitivity,
        train_seconds=train_seconds,
        measure_seconds=measure_seconds,
        final_loss=found["final_loss"],
        grid=grid_text(config),
        test_points=test_points,
        measured_points=test_points,
    )


def data_subset(config: RunConfig, ds: Dataset):
    """The first ``n_train`` training and ``n_test`` test inputs and labels."""
    s = config.size
    n_train, n_test = int(s.get("n_train", 1000)), int(s.get("n_test", 500))
    if n_train < 2 or n_test < 2:
        raise ValueError(f"n_train and n_test must be >= 2, got {n_train}, {n_test}")
    return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_test[:n_test], ds.y_test[:n_test]


def along_grid(config: RunConfig, x: torch.Tensor) -> torch.Tensor:
    """Every input at every point of the run's grid: ``(T·n, ...)``, grid point outermost."""
    from invlab.transforms.spec import parse_transform

    transform = parse_transform(config.transform, x.dim() - 2)
    return torch.cat([transform.apply(x, theta) for theta in transform.grid(config.steps)])


def grid_metrics(plain: torch.Tensor, along: torch.Tensor, y: torch.Tensor) -> dict:
    """Accuracy, accuracy over the grid and consistency of class scores ``plain = f(x)``
    ``(n, c)`` and ``along = f(g_θ x)`` ``(T·n, c)`` (grid point outermost, as
    :func:`along_grid`)."""
    from invlab.measure.metrics.consistency import agreement

    n = len(plain)
    scores = along.reshape(-1, n, along.shape[-1]).transpose(0, 1)  # (n, T, c)
    return {
        "test_accuracy": float((plain.argmax(1) == y).double().mean()),
        "transformed_accuracy": float((scores.argmax(2) == y[:, None]).double().mean()),
        "consistency": float(agreement(scores).double().mean()),
    }


def feature_sensitivity(base: torch.Tensor, along: torch.Tensor) -> float:
    """Sensitivity of features ``φ(x)`` ``(n, ...)`` given ``φ(g_θ x)`` ``(T·n, ...)`` (grid
    point outermost), averaged over the grid: the train runs' estimator."""
    from invlab.measure.metrics.sensitivity import SensitivityAccumulator

    n = len(base)
    moved = along.reshape(-1, n, *base.shape[1:]).transpose(0, 1)  # (n, T, ...)
    acc = SensitivityAccumulator("features", moved.shape[1])
    acc.add(base.double(), moved.double())
    return float(acc.result().mean())


def kernel_sensitivity(kernel, config: RunConfig, x: torch.Tensor, inputs: int = 100) -> float:
    """Sensitivity of the feature map ``φ`` with ``k(x, y) = ⟨φ(x), φ(y)⟩`` (an NNGP kernel's:
    the representation an infinitely wide network's read-out reads), from kernel values on the
    first ``inputs`` of ``x``::

        ‖φ(gx) − φ(x)‖² = k(gx, gx) + k(x, x) − 2 k(x, gx)
        E_{x≠x′}‖φ(x′) − φ(x)‖² = 2/(n−1) · (Σᵢ k(xᵢ, xᵢ) − (1/n) Σᵢⱼ k(xᵢ, xⱼ))
    """
    x = x[:inputs]
    n = len(x)
    k_xx = kernel(x).double()
    between = 2 / (n - 1) * (k_xx.diagonal().sum() - k_xx.sum() / n)
    if between <= 0:
        return float("nan")
    moved = along_grid(config, x).reshape(-1, *x.shape)  # (T, n, ...)
    values = []
    for gx in moved:
        cross = kernel(x, gx).double().diagonal()
        k_gg = kernel(gx).double().diagonal()
        values.append(float((k_gg + k_xx.diagonal() - 2 * cross).mean() / between))
    return sum(values) / len(values)
