"""The ``kernel`` run kind: NNGP and NTK kernel regression (:mod:`invlab.kernels`) on a subset
of the data, the infinite-width limit of the ``finite`` kind's networks.

Models ``mlp`` (optionally symmetrised over all circular shifts, or fitted on the training set
closed under them) and ``cnn`` (``readout`` gap or flatten). The stored metrics are the NTK's
(the limit of gradient descent); the NNGP's are in the run's extras. ``sensitivity`` is that of
the NNGP's feature map, the representation an infinitely wide network's read-out reads
(:func:`~invlab.study.runs.predictions.kernel_sensitivity`); every metric uses the run's
transformation grid, as a ``train`` run does (:mod:`invlab.study.runs.predictions`). A
kernel run given the ``steps`` and ``lr`` of a finite family also stores the NTK's prediction
after the same gradient descent (extras ``ntk_gd``, :func:`gd_solve`). Values that do not fit
:class:`~invlab.study.store.records.RunMetrics` are stored as the run's ``layers`` JSON: rows
``{"layer": group, "metric": name, "value": v}``.
"""

from __future__ import annotations

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
    grid_metrics,
    kernel_sensitivity,
    subset_metrics,
)
from invlab.study.runs.registry import register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult

MODELS = {
    "mlp": ("depth", "ridge", "symmetrize", "augment_shifts", "dtype", "steps", "lr", *COMMON_SIZE),
    "cnn": ("depth", "readout", "kernel_size", "ridge", "dtype", "steps", "lr", *COMMON_SIZE),
}
"""The kernels and the size arguments each accepts."""


@register
class Kernel(SubsetKind):
    """NNGP / NTK kernel regression: the infinite-width limit."""

    name = "kernel"
    description = "NNGP and NTK kernel regression of an MLP or CNN (the infinite-width limit)"
    # its values are the horizontal lines of the finite nets' and the ensembles' figures
    figures = ("infinite-width", "parameterisations", "ensembles")

    size_table = MODELS

    def run(self, config: RunConfig, ds: Dataset, device) -> RunResult:
        return kernel_run(config, ds, device)


def _kernel(config: RunConfig, ds: Dataset):
    from invlab.kernels import CNNKernel, MLPKernel, symmetrize

    s = config.size
    dtype = {"float64": torch.float64, "float32": torch.float32}[s.get("dtype", "float64")]
    depth = int(s.get("depth", 1))
    if config.model == "mlp":
        kernel = MLPKernel(depth, dtype=dtype, progress=False)
        return symmetrize(kernel, "shift") if s.get("symmetrize", False) else kernel
    return CNNKernel(
        depth,
        kernel_size=int(s.get("kernel_size", 3)),
        readout=s.get("readout", "gap"),
        dtype=dtype,
        progress=False,
    )


def gd_solve(ntk: torch.Tensor, y: torch.Tensor, classes: int, steps: int, lr: float):
    """``α`` with ``f(x) = Θ(x, X) α`` the mean prediction of an infinitely wide network after
    ``steps`` steps of full-batch gradient descent (rate ``lr``) on ``½ mean ‖f(x) − y‖²``
    from ``f₀ = 0`` in mean: ``α = Θ⁻¹ (I − (I − lr Θ / n)^steps) Y`` (Lee et al. 2019).

    Raises:
        ValueError: ``lr`` too large for the kernel (gradient descent would diverge).
    """
    n = len(ntk)
    lam, vec = torch.linalg.eigh(ntk.to(torch.float64))
    lam = lam.clamp_min(0.0)
    if lr * float(lam[-1]) / n >= 2:
        raise ValueError(f"lr={lr} diverges for this NTK: need lr < {2 * n / float(lam[-1]):.3g}")
    decay = (1 - lr * lam / n) ** steps
    gain = torch.where(lam > 0, (1 - decay) / lam.clamp_min(1e-300), lr * steps / n)
    targets = nn.functional.one_hot(y.long(), classes).to(torch.float64)
    return vec @ (gain[:, None] * (vec.T @ targets))


@torch.no_grad()
def kernel_run(config: RunConfig, ds: Dataset, device=None) -> RunResult:
    """NNGP and NTK regression with the configured kernel (see the module docstring), the
    kernel matrices computed on ``device`` (default the CPU), solved in float64 there."""
    from invlab.data.variants import shift_augment
    from invlab.kernels import KernelRegression

    s = config.size
    xtr, ytr, xte, yte = (t.to(device or "cpu") for t in data_subset(config, ds))
    if s.get("augment_shifts", False):  # the training set closed under every circular shift
        xtr, ytr = shift_augment(xtr, ytr, range(xtr.shape[-1]))
    ridge = float(s.get("ridge", 1e-4))
    kernel = _kernel(config, ds)
    start = time.perf_counter()
    k_train = kernel(xtr, kind="both")
    k_eval = kernel(torch.cat([xte, along_grid(config, xte)]), xtr, kind="both")
    seconds = time.perf_counter() - start
    found, rows = {}, []
    for name, kt, ke in zip(("nngp", "ntk"), k_train, k_eval):
        model = KernelRegression(kernel, kind=name, ridge=ridge)
        model.fit(xtr, ytr, ds.num_classes, gram=kt)
        scores = model.readout(ke.to(torch.float64))
        train_scores = model.readout(kt.to(torch.float64))
        found[name] = grid_metrics(scores[: len(xte)], scores[len(xte) :], yte)
        found[name]["train_accuracy"] = float((train_scores.argmax(1) == ytr).double().mean())
        found[name]["final_loss"] = float(
            (train_scores - nn.functional.one_hot(ytr.long(), ds.num_classes)).square().mean()
        )
        rows += extras(name, found[name])
    if "steps" in s:  # the infinite-width limit of `finite_run` with the same steps and lr
        alpha = gd_solve(k_train[1], ytr, ds.num_classes, int(s["steps"]), float(s["lr"]))
        scores = k_eval[1].to(torch.float64) @ alpha
        rows += extras("ntk_gd", grid_metrics(scores[: len(xte)], scores[len(xte) :], yte))
    start = time.perf_counter()
    sensitivity = kernel_sensitivity(lambda a, b=None: kernel(a, b, kind="nngp"), config, xte)
    metrics = subset_metrics(
        config,
        found["ntk"],
        params=0,
        probe_layer="nngp features",
        sensitivity=sensitivity,
        train_seconds=seconds,
        measure_seconds=time.perf_counter() - start,
        test_points=len(xte),
    )
    return RunResult(metrics=metrics, layers=rows, curve=[])
