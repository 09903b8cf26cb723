"""The ``ensemble`` run kind: the mean prediction of ``members`` independently initialised
``finite`` networks (same data, same training, different initialisation), with or without shift
augmentation: does averaging make a prediction more invariant than its members?

The ensemble's class scores are the mean of its members' centred output scores,
``f̄(x) = (1/K) Σₖ fₖ(x)`` (their logits: the members are trained on the squared error to
one-hot labels, with no softmax), and its class is ``argmax f̄``. With full-group shift
augmentation the infinite-width, infinite-ensemble limit is exactly shift invariant (Gerken &
Kessel 2024): it is NTK regression on the training set closed under shifts, i.e. with the
shift-symmetrised kernel. The run's metrics are the ensemble's; its extras hold the members'
mean (group ``members``) and the ensemble's size. ``sensitivity`` is that of the members'
features side by side (what the averaged read-out reads).

Size arguments: those of the ``finite`` kind, ``members`` (K >= 1) and ``augment_shifts``
(every gradient step sees each training input under a fresh uniformly random circular shift).
"""

from __future__ import annotations

import math
import time

import torch

from invlab.data import Dataset
from invlab.study.runs.common import extras
from invlab.study.runs.kinds.finite import MODELS as FINITE_MODELS
from invlab.study.runs.kinds.finite import train_finite
from invlab.study.runs.predictions import (
    SubsetKind,
    along_grid,
    data_subset,
    feature_sensitivity,
    grid_metrics,
    grid_text,
)
from invlab.study.runs.registry import get_kind, register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunMetrics, RunResult

MODELS = {name: (*args, "members", "augment_shifts") for name, args in FINITE_MODELS.items()}
"""The ensembles' member networks and the size arguments each accepts."""


@register
class Ensemble(SubsetKind):
    """The mean prediction of K independently initialised finite networks."""

    name = "ensemble"
    description = "the mean prediction of K independently initialised finite networks"
    figures = ("ensembles",)

    size_table = MODELS

    def run(self, config: RunConfig, ds: Dataset, device) -> RunResult:
        return ensemble_run(config, ds, device)

    def check_fits(self, config: RunConfig, in_shape, num_classes) -> None:
        ensemble_options(config)
        get_kind("finite").check_fits(config, in_shape, num_classes)


def ensemble_options(config: RunConfig) -> tuple[int, bool]:
    """The run's ``(members, augment_shifts)``, refused unless an integer >= 1 and a bool."""
    members = config.size.get("members", 5)
    if isinstance(members, bool) or not isinstance(members, int) or members < 1:
        raise ValueError(f"members must be an integer >= 1, got {members!r}")
    augment = config.size.get("augment_shifts", False)
    if not isinstance(augment, bool):
        raise ValueError(f"augment_shifts must be true or false, got {augment!r}")
    return members, augment


def ensemble_run(config: RunConfig, ds: Dataset, device=None) -> RunResult:
    """Train ``members`` networks one after another (their initialisations and shifts drawn in
    turn from torch's generator, seeded with the run's seed) and measure their mean scores."""
    members, augment = ensemble_options(config)
    xtr, ytr, xte, yte = (t.to(device or "cpu") for t in data_subset(config, ds))
    moved = along_grid(config, xte)
    outputs, found, train_seconds, losses, params = [], [], 0.0, [], 0
    for _ in range(members):
        model, info = train_finite(config, ds, xtr, ytr, device, augment=augment)
        if info["diverged"]:
            raise ValueError(f"a member of {config.label()} diverged (loss not finite): lower lr")
        with torch.no_grad():
            out = {
                "train": model(xtr),
                "test": model(xte),
                "moved": model(moved),
                "features": model.features(xte),
                "moved_features": model.features(moved),
            }
        outputs.append(out)
        member = grid_metrics(out["test"], out["moved"], yte)
        member["sensitivity"] = feature_sensitivity(out["features"], out["moved_features"])
        member["train_accuracy"] = float((out["train"].argmax(1) == ytr).double().mean())
        found.append(member)
        train_seconds += info["train_seconds"]
        losses.append(info["final_loss"])
        params += sum(p.numel() for p in model.model.parameters())
    start = time.perf_counter()

    def mean(name: str) -> torch.Tensor:
        return torch.stack([o[name] for o in outputs]).mean(0)

    def side_by_side(name: str) -> torch.Tensor:
        return torch.cat([o[name] for o in outputs], 1)

    ensemble = grid_metrics(mean("test"), mean("moved"), yte)
    sensitivity = feature_sensitivity(side_by_side("features"), side_by_side("moved_features"))
    metrics = RunMetrics(
        params=params,
        train_accuracy=float((mean("train").argmax(1) == ytr).double().mean()),
        test_accuracy=ensemble["test_accuracy"],
        transformed_accuracy=ensemble["transformed_accuracy"],
        consistency=ensemble["consistency"],
        probe_layer="features",
        goodfellow=math.nan,
        sensitivity=sensitivity,
        train_seconds=train_seconds,
        measure_seconds=time.perf_counter() - start,
        final_loss=sum(losses) / len(losses),
        grid=grid_text(config),
        test_points=len(yte),
        measured_points=len(yte),
    )
    member_mean = {k: sum(f[k] for f in found) / members for k in found[0]}
    rows = extras("members", member_mean)
    rows += extras("ensemble", {"members": members, "width": config.size.get("width")})
    return RunResult(metrics=metrics, layers=rows, curve=[])
