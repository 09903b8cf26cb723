"""The ``finite`` run kind: ``stax_mlp`` / ``stax_cnn``, the kernels' finite-width twins, trained
by full-batch gradient descent on the squared error to one-hot labels (the loss whose
infinite-width limit is NTK regression) on the same subset as the ``kernel`` runs, centred
(output minus the output at initialisation, ``center = true``) so that they tend to the kernel's
mean prediction.

Without ``param`` the networks are :class:`~invlab.kernels.StaxMLP` /
:class:`~invlab.kernels.StaxCNN` (the NTK parameterisation). With ``param`` = ``sp``, ``ntk``
or ``mup`` they are :class:`~invlab.kernels.parameterisations.ParameterisedNet` in that
parameterisation (the CNN with a flatten read-out), each parameter trained at ``lr`` times its
factor for ``width`` against ``base_width`` (:func:`~invlab.kernels.parameterisations.sgd_groups`).
A run whose loss stops being finite is stopped and stored with NaN metrics and the extra
``diverged = 1``.
"""

from __future__ import annotations

import copy
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

_TRAINING = ("steps", "lr", "center", "param", "base_width")
MODELS = {
    "stax_mlp": ("width", "depth", *_TRAINING, *COMMON_SIZE),
    "stax_cnn": ("width", "depth", "readout", "kernel_size", *_TRAINING, *COMMON_SIZE),
}
"""The finite networks and the size arguments each accepts."""


@register
class Finite(SubsetKind):
    """A finite network in the kernels' parameterisation (or SP / NTK / μP), trained by
    gradient descent."""

    name = "finite"
    description = "a finite-width twin of a kernel, trained by full-batch gradient descent"
    figures = ("infinite-width", "parameterisations")

    size_table = MODELS

    def run(self, config: RunConfig, ds: Dataset, device) -> RunResult:
        return finite_run(config, ds, device)

    def check_fits(self, config: RunConfig, in_shape, num_classes) -> None:
        gradient_descent(config)
        finite_model(config, in_shape, num_classes)


def gradient_descent(config: RunConfig) -> tuple[int, float]:
    """The run's ``(steps, lr)``, refused unless ``steps >= 1`` and ``lr > 0``."""
    s = config.size
    steps, lr = int(s.get("steps", 500)), float(s.get("lr", 1.0))
    if steps < 1 or not lr > 0:
        raise ValueError(f"steps must be >= 1 and lr > 0, got steps={steps}, lr={lr}")
    return steps, lr


def finite_model(config: RunConfig, in_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The run's untrained network for inputs ``in_shape`` (see the module docstring)."""
    from invlab.kernels import StaxCNN, StaxMLP
    from invlab.kernels.parameterisations import ParameterisedNet

    s = config.size
    width, depth = int(s.get("width", 256)), int(s.get("depth", 1))
    if "param" in s:
        if config.model == "stax_cnn" and s.get("readout", "flatten") != "flatten":
            raise ValueError(
                f"readout must be 'flatten' for a stax_cnn with param, got {s['readout']!r}"
            )
        return ParameterisedNet(
            tuple(in_shape),
            num_classes,
            width=width,
            depth=depth,
            parameterisation=s["param"],
            base_width=int(s.get("base_width", 64)),
            conv=config.model == "stax_cnn",
            kernel_size=int(s.get("kernel_size", 3)),
        )
    if config.model == "stax_mlp":
        return StaxMLP(math.prod(in_shape), num_classes, width=width, depth=depth)
    return StaxCNN(
        tuple(in_shape),
        num_classes,
        width=width,
        depth=depth,
        kernel_size=int(s.get("kernel_size", 3)),
        readout=s.get("readout", "gap"),
    )


class Centred(nn.Module):
    """``f(x) − f₀(x)``: a network minus a frozen copy of itself at initialisation (``f₀``, a
    random Gaussian-process draw that width does not average away), or ``f`` itself."""

    def __init__(self, model: nn.Module, center: bool = True) -> None:
        super().__init__()
        self.model = model
        self.initial = copy.deepcopy(model).requires_grad_(False) if center else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        return out if self.initial is None else out - self.initial(x)


def random_circular_shifts(x: torch.Tensor) -> torch.Tensor:
    """Each input of ``x`` ``(B, C, N)`` rolled along its last axis by its own shift, uniform
    on all ``N`` (the full group of circular shifts), drawn from torch's global generator."""
    n = x.shape[-1]
    shifts = torch.randint(n, (x.shape[0], 1, 1), device=x.device)
    index = (torch.arange(n, device=x.device) - shifts) % n
    return x.gather(-1, index.expand_as(x))


def train_finite(config: RunConfig, ds: Dataset, xtr, ytr, device=None, augment: bool = False):
    """Build the run's network and train it by full-batch gradient descent on
    ``½ mean ‖f(x) − y‖²`` (one-hot ``y``) for ``steps`` steps of rate ``lr`` (times each
    parameter's factor); with ``augment`` every step sees each input under a fresh random
    circular shift. Returns the centred network and ``{train_seconds, final_loss, diverged}``."""
    from invlab.kernels.parameterisations import sgd_groups

    steps, lr = gradient_descent(config)
    model = finite_model(config, ds.in_shape, ds.num_classes)
    model = Centred(model, bool(config.size.get("center", True))).to(device or "cpu")
    targets = nn.functional.one_hot(ytr.long(), ds.num_classes).float()
    optimiser = torch.optim.SGD(sgd_groups(model.model, lr))
    start, diverged = time.perf_counter(), False
    for _ in range(steps):
        optimiser.zero_grad()
        x = random_circular_shifts(xtr) if augment else xtr
        loss = 0.5 * (model(x) - targets).square().sum(1).mean()
        if not torch.isfinite(loss):
            diverged = True
            break
        loss.backward()
        optimiser.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        final = float(0.5 * (model(xtr) - targets).square().sum(1).mean())
    diverged = diverged or not math.isfinite(final)
    return model, {"train_seconds": seconds, "final_loss": final, "diverged": diverged}


def finite_run(config: RunConfig, ds: Dataset, device=None) -> RunResult:
    """A finite twin of a kernel, trained by :func:`train_finite` and measured on the run's
    transformation grid (:mod:`invlab.study.runs.predictions`); ``sensitivity`` is that of the
    features its read-out reads (``model.features``)."""
    xtr, ytr, xte, yte = (t.to(device or "cpu") for t in data_subset(config, ds))
    model, info = train_finite(config, ds, xtr, ytr, device)
    start = time.perf_counter()
    moved = along_grid(config, xte)
    with torch.no_grad():
        train_scores = model(xtr)
        found = grid_metrics(model(xte), model(moved), yte)
        sensitivity = feature_sensitivity(model.features(xte), model.features(moved))
    found["final_loss"] = info["final_loss"]
    found["train_accuracy"] = float((train_scores.argmax(1) == ytr).float().mean())
    if info["diverged"]:
        found = dict.fromkeys(found, math.nan)
        sensitivity = math.nan
    metrics = subset_metrics(
        config,
        found,
        params=sum(p.numel() for p in model.model.parameters()),
        probe_layer="features",
        sensitivity=sensitivity,
        train_seconds=info["train_seconds"],
        measure_seconds=time.perf_counter() - start,
        test_points=len(xte),
    )
    values = {"width": config.size.get("width")}
    if "param" in config.size:
        values["diverged"] = float(info["diverged"])
    return RunResult(metrics=metrics, layers=extras("finite", values), curve=[])
