"""The run kinds of the ``infinite-width`` and ``learn-dft`` studies (``RunConfig.kind``).

- ``kernel``: NNGP and NTK kernel regression (:mod:`invlab.kernels`) on a subset of the data;
  models ``mlp`` (optionally symmetrised over all circular shifts, or fitted on the training
  set closed under them) and ``cnn`` (``readout`` gap or flatten). The stored metrics are the
  NTK's (the limit of gradient descent); the NNGP's are in the run's extras.
- ``finite``: ``stax_mlp`` / ``stax_cnn`` (:mod:`invlab.kernels.networks`), the
  kernels' finite-width twins, trained by full-batch gradient descent on the squared error to
  one-hot labels (the loss whose infinite-width limit is NTK regression) on the same subset,
  centred (output minus the output at initialisation, ``center = true``) so that they tend
  to the kernel's mean prediction; a kernel run given the same ``steps`` and ``lr`` also
  stores that limit after the same training (extras ``ntk_gd``, :func:`gd_solve`).
- ``learn-dft``: ``linear`` (a ``Linear(N, 2N)`` trained to output the DFT), ``dft_mlp`` (an
  MLP trained to output ``|DFT x|``), ``exact`` (``FourierModulus`` itself, the reference) and
  ``dft_classifier`` (a classifier on a learned ``|DFT|``, to set beside ``fourier_mlp``).

Kernel and finite runs measure their predictions on the test subset and on the same inputs
each circularly shifted by a random shift in ``[-max_shift, max_shift]`` (seeded by the run's
seed): ``test_accuracy``, ``transformed_accuracy`` (on the shifted inputs), ``consistency``
(P[class of x = class of the shifted x]) and ``sensitivity`` of the class scores
(``E‖f(gx) − f(x)‖² / E_{x≠x′}‖f(x′) − f(x)‖²``, 0 = invariant). Values that do not fit
:class:`~invlab.study.metrics.RunMetrics` are stored as the run's ``layers`` JSON: rows
``{"layer": group, "metric": name, "value": v}`` (:func:`extras`).
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from invlab.data import Dataset
from invlab.study.config import RunConfig
from invlab.study.measured import dataset, extras
from invlab.study.metrics import RunMetrics, RunResult

_COMMON = ("n_train", "n_test", "max_shift")
MODELS: dict[str, dict[str, tuple[str, ...]]] = {
    "kernel": {
        "mlp": ("depth", "ridge", "symmetrize", "augment_shifts", "dtype", "steps", "lr", *_COMMON),
        "cnn": ("depth", "readout", "kernel_size", "ridge", "dtype", "steps", "lr", *_COMMON),
    },
    "finite": {
        "stax_mlp": ("width", "depth", "steps", "lr", "center", *_COMMON),
        "stax_cnn": ("width", "depth", "readout", "kernel_size", "steps", "lr", "center", *_COMMON),
    },
    "learn-dft": {
        "linear": ("data", "samples", "steps", "lr", "batch_size"),
        "dft_mlp": ("width", "depth", "samples"),
        "exact": (),
        "dft_classifier": ("width", "depth", "head_width", "head_depth"),
    },
}
"""Per kind: its models and the size arguments each accepts (validated by the spec)."""


def execute_special(config: RunConfig) -> RunResult:
    """Execute a run whose ``kind`` is not ``train``."""
    ds = dataset(config.dataset)
    if config.model not in MODELS.get(config.kind, {}):
        raise ValueError(f"kind {config.kind!r} has no model {config.model!r}")
    torch.manual_seed(config.seed)
    if config.kind == "kernel":
        return kernel_run(config, ds)
    if config.kind == "finite":
        return finite_run(config, ds)
    from invlab.study.dft_runs import dft_run

    return dft_run(config, ds)


def _subset(config: RunConfig, ds: Dataset):
    s = config.size
    n_train, n_test = int(s.get("n_train", 1000)), int(s.get("n_test", 500))
    if n_train < 2 or n_test < 2:
        raise ValueError(f"n_train and n_test must be >= 2, got {n_train}, {n_test}")
    return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_test[:n_test], ds.y_test[:n_test]


def _shifted(x: torch.Tensor, max_shift: int, seed: int) -> torch.Tensor:
    """Each input circularly shifted by its own random shift in ``[-max_shift, max_shift]``."""
    from invlab.transforms import Shift

    shift = Shift(max_shift, dims=1)
    return shift.apply(x, shift.sample(len(x), generator=torch.Generator().manual_seed(seed)))


def prediction_metrics(plain: torch.Tensor, shifted: torch.Tensor, y: torch.Tensor) -> dict:
    """Accuracy, shifted accuracy, consistency and output sensitivity of class scores
    ``plain = f(x)`` and ``shifted = f(g x)`` (``(n, c)``, ``n >= 2``)."""
    plain, shifted = plain.double(), shifted.double()
    a, b = plain.argmax(1), shifted.argmax(1)
    n = len(plain)
    spread = 2 * n / (n - 1) * (plain - plain.mean(0)).square().sum(1).mean()
    change = (shifted - plain).square().sum(1).mean()
    return {
        "test_accuracy": float((a == y).double().mean()),
        "transformed_accuracy": float((b == y).double().mean()),
        "consistency": float((a == b).double().mean()),
        "sensitivity": float(change / spread) if spread > 0 else math.nan,
    }


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
def kernel_run(config: RunConfig, ds: Dataset) -> RunResult:
    """NNGP and NTK regression with the configured kernel (see the module docstring)."""
    from invlab.kernels import KernelRegression
    from invlab.kernels.experiments import shift_augment

    s = config.size
    xtr, ytr, xte, yte = _subset(config, ds)
    if s.get("augment_shifts", False):  # the training set closed under every circular shift
        xtr, ytr = shift_augment(xtr, ytr, range(xtr.shape[-1]))
    max_shift, ridge = int(s.get("max_shift", 8)), float(s.get("ridge", 1e-4))
    kernel = _kernel(config, ds)
    start = time.perf_counter()
    k_train = kernel(xtr, kind="both")
    x_eval = torch.cat([xte, _shifted(xte, max_shift, config.seed)])
    k_eval = kernel(x_eval, xtr, kind="both")
    seconds = time.perf_counter() - start
    found, rows = {}, []
    for name, kt, ke in zip(("nngp", "ntk"), k_train, k_eval):
        model = KernelRegression(kernel, kind=name, ridge=ridge)
        model.fit(xtr, ytr, ds.num_classes, gram=kt)
        scores = model.readout(ke.to(torch.float64))
        train_scores = model.readout(kt.to(torch.float64))
        found[name] = prediction_metrics(scores[: len(xte)], scores[len(xte) :], yte)
        found[name]["train_accuracy"] = float((train_scores.argmax(1) == ytr).double().mean())
        found[name]["final_loss"] = float(
            (train_scores - nn.functional.one_hot(ytr.long(), ds.num_classes)).square().mean()
        )
        rows += extras(name, found[name])
    if "steps" in s:  # the infinite-width limit of `finite_run` with the same steps and lr
        alpha = gd_solve(k_train[1], ytr, ds.num_classes, int(s["steps"]), float(s["lr"]))
        scores = k_eval[1].to(torch.float64) @ alpha
        rows += extras("ntk_gd", prediction_metrics(scores[: len(xte)], scores[len(xte) :], yte))
    ntk = found["ntk"]
    metrics = RunMetrics(
        params=0,
        train_accuracy=ntk["train_accuracy"],
        test_accuracy=ntk["test_accuracy"],
        transformed_accuracy=ntk["transformed_accuracy"],
        consistency=ntk["consistency"],
        probe_layer="output",
        goodfellow=math.nan,
        sensitivity=ntk["sensitivity"],
        train_seconds=seconds,
        measure_seconds=0.0,
        final_loss=ntk["final_loss"],
    )
    return RunResult(metrics=metrics, layers=rows, curve=[])


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


def finite_run(config: RunConfig, ds: Dataset) -> RunResult:
    """A finite twin of a kernel, trained by full-batch gradient descent on ``½‖f(x) − y‖²``
    (one-hot ``y``, mean over inputs) for ``steps`` steps of learning rate ``lr``."""
    s = config.size
    xtr, ytr, xte, yte = _subset(config, ds)
    steps, lr = int(s.get("steps", 500)), float(s.get("lr", 1.0))
    if steps < 1 or not lr > 0:
        raise ValueError(f"steps must be >= 1 and lr > 0, got steps={steps}, lr={lr}")
    model = _finite_model(config, ds)
    targets = nn.functional.one_hot(ytr.long(), ds.num_classes).float()
    shifted = _shifted(xte, int(s.get("max_shift", 8)), config.seed)
    # Centred: the output minus the output at initialisation, a random GP draw that width
    # does not average away; the centred net tends to the kernel's mean prediction.
    with torch.no_grad():
        f0 = {"train": model(xtr), "test": model(xte), "shifted": model(shifted)}
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
        found = prediction_metrics(model(xte) - f0["test"], model(shifted) - f0["shifted"], yte)
        final = float(0.5 * (train_scores - targets).square().sum(1).mean())
    metrics = RunMetrics(
        params=sum(p.numel() for p in model.parameters()),
        train_accuracy=float((train_scores.argmax(1) == ytr).float().mean()),
        test_accuracy=found["test_accuracy"],
        transformed_accuracy=found["transformed_accuracy"],
        consistency=found["consistency"],
        probe_layer="output",
        goodfellow=math.nan,
        sensitivity=found["sensitivity"],
        train_seconds=train_seconds,
        measure_seconds=time.perf_counter() - start,
        final_loss=final,
    )
    return RunResult(metrics=metrics, layers=extras("finite", {"width": s.get("width")}), curve=[])
