"""The ``finite`` run kind: ``stax_mlp`` / ``stax_cnn`` (:mod:`invlab.kernels.networks`),
the kernels' finite-width twins, trained by full-batch gradient descent on the squared error to
one-hot labels (the loss whose infinite-width limit is NTK regression) on the same subset as the
``kernel`` runs, centred (output minus the output at initialisation, ``center = true``) so that
they tend to the kernel's mean prediction.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from invlab.data import Dataset
from invlab.study.runs.common import extras
from invlab.study.runs.predictions import (
    COMMON_SIZE,
    SubsetKind,
    along_grid,
    data_subset,
    feature_sensitivity,
    grid_metrics,
    subset_metrics,
)
from invlab.study.runs.registry import register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult

MODELS = {
    "stax_mlp": ("width", "depth", "steps", "lr", "center", *COMMON_SIZE),
    "stax_cnn": ("width", "depth", "readout", "kernel_size", "steps", "lr", "center", *COMMON_SIZE),
}
"""The finite networks and the size arguments each accepts."""


@register
class Finite(SubsetKind):
    """A finite network in the kernels' parameterisation, trained by gradient descent."""

    name = "finite"
    description = "a finite-width twin of a kernel, trained by full-batch gradient descent"

    size_table = MODELS

    def run(self, config: RunConfig, ds: Dataset, device) -> RunResult:
        return finite_run(config, ds, device)


def _finite_model(config: RunConfig, ds: Dataset) -> nn.Module:
    from invlab.kernels import StaxCNN, StaxMLP

    s = config.size
    width, depth = int(s.get("width", 256)), int(s.get("depth", 1))
    if config.model == "stax_mlp":
        return StaxMLP(math.prod(ds.in_shape), ds.num_classes, width=width, depth=depth)
    return StaxCNN(
        tuple(ds.in_shape),
        ds.num_classes,
        width=width,
        depth=depth,
        kernel_size=int(s.get("kernel_size", 3)),
        readout=s.get("readout", "gap"),
    )


def finite_run(config: RunConfig, ds: Dataset, device=None) -> RunResult:
    """A finite twin of a kernel, trained by full-batch gradient descent on ``½‖f(x) − y‖²``
    (one-hot ``y``, mean over inputs) for ``steps`` steps of learning rate ``lr``, measured on
    the run's transformation grid (:mod:`invlab.study.runs.predictions`); ``sensitivity`` is
    that of the features its read-out reads (``model.features``)."""
    s = config.size
    xtr, ytr, xte, yte = (t.to(device or "cpu") for t in data_subset(config, ds))
    steps, lr = int(s.get("steps", 500)), float(s.get("lr", 1.0))
    if steps < 1 or not lr > 0:
        raise ValueError(f"steps must be >= 1 and lr > 0, got steps={steps}, lr={lr}")
    model = _finite_model(config, ds).to(device or "cpu")
    targets = nn.functional.one_hot(ytr.long(), ds.num_classes).float()
    moved = along_grid(config, xte)
    # Centred: the output minus the output at initialisation, a random GP draw that width
    # does not average away; the centred net tends to the kernel's mean prediction.
    with torch.no_grad():
        f0 = {"train": model(xtr), "test": model(xte), "moved": model(moved)}
    if not s.get("center", True):
        f0 = {k: torch.zeros_like(v) for k, v in f0.items()}
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    start = time.perf_counter()
    for _ in range(steps):
        optimiser.zero_grad()
        loss = 0.5 * (model(xtr) - f0["train"] - targets).square().sum(1).mean()
        loss.backward()
        optimiser.step()
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with torch.no_grad():
        train_scores = model(xtr) - f0["train"]
        found = grid_metrics(model(xte) - f0["test"], model(moved) - f0["moved"], yte)
        sensitivity = feature_sensitivity(model.features(xte), model.features(moved))
        found["final_loss"] = float(0.5 * (train_scores - targets).square().sum(1).mean())
    found["train_accuracy"] = float((train_scores.argmax(1) == ytr).float().mean())
    metrics = subset_metrics(
        config,
        found,
        params=sum(p.numel() for p in model.parameters()),
        probe_layer="features",
        sensitivity=sensitivity,
        train_seconds=train_seconds,
        measure_seconds=time.perf_counter() - start,
        test_points=len(xte),
    )
    return RunResult(metrics=metrics, layers=extras("finite", {"width": s.get("width")}), curve=[])
