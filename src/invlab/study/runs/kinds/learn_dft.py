"""The ``learn-dft`` run kind: can a network learn the Fourier transform, and does a learned
``|DFT|`` inherit the exact one's shift invariance?

- ``linear``: ``Linear(N, 2N)`` trained by SGD to output ``[Re; Im] DFT x`` on ``samples``
  signals of ``data`` (``noise``: white noise; ``mnist1d``: the training signals);
  ``final_loss`` is the relative fit error, the extras hold ``weight_error``
  (``‖W − D‖_F / ‖D‖_F``) and the error of the response to each input frequency ``k``.
- ``dft_mlp``: an MLP of ``width`` × ``depth`` trained (Adam, the run's epochs / batch / lr)
  on ``samples`` MNIST-1D training signals to output ``|DFT x|`` (orthonormal scaling, as
  ``fourier_mlp``'s features). Its relative fit error on MNIST-1D test signals (``final_loss``)
  and on white noise, and the Goodfellow score and sensitivity of its output under the run's
  transformation (:func:`invlab.measure.measure`) on both.
- ``exact``: ``FourierModulus`` measured the same way (fit error 0; sensitivity 0).
- ``dft_classifier``: a ``dft_mlp`` as above, frozen, then ``log(1 + relu(·))`` and a dense
  head of ``head_width`` × ``head_depth`` trained on the labels like a ``train`` run and
  measured like one: the same architecture as ``fourier_mlp`` with the learned transform.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from invlab.data import Dataset
from invlab.study.runs.common import extras, grid_text
from invlab.study.runs.registry import RunKind, register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunMetrics, RunResult

MODELS = {
    "linear": ("data", "samples", "steps", "lr", "batch_size"),
    "dft_mlp": ("width", "depth", "samples"),
    "exact": (),
    "dft_classifier": ("width", "depth", "head_width", "head_depth"),
}
"""The models of the kind and the size arguments each accepts."""


@register
class LearnDFT(RunKind):
    """Can a network learn the Fourier transform, and is a learned ``|DFT|`` invariant?"""

    name = "learn-dft"
    description = "networks trained to output the DFT or |DFT|, and a classifier on a learned |DFT|"
    figures = ("learn-dft",)
    sized = False
    extras = True

    size_table = MODELS

    def run(self, config: RunConfig, ds: Dataset, device) -> RunResult:
        return dft_run(config, ds)  # small models: on the CPU whatever the study's device


def _noise(n: int, length: int, seed: int) -> torch.Tensor:
    return torch.randn(n, 1, length, generator=torch.Generator().manual_seed(10_000 + seed))


def _empty_metrics(**values) -> RunMetrics:
    base = dict.fromkeys(
        ("train_accuracy", "test_accuracy", "transformed_accuracy", "consistency"), math.nan
    )
    base.update(goodfellow=math.nan, sensitivity=math.nan, train_seconds=0.0)
    base.update(measure_seconds=0.0, final_loss=math.nan, probe_layer="output", params=0)
    base.update(values)
    return RunMetrics(**base)


def dft_run(config: RunConfig, ds: Dataset) -> RunResult:
    """Execute a ``learn-dft`` run (see the module docstring)."""
    run = {
        "linear": _linear,
        "dft_mlp": _dft_mlp,
        "exact": _exact,
        "dft_classifier": _classifier,
    }
    return run[config.model](config, ds)


def _linear(config: RunConfig, ds: Dataset) -> RunResult:
    from invlab.study.runs.dft_fit import fit_linear_dft, frequency_errors

    s = config.size
    data, samples = s.get("data", "noise"), int(s.get("samples", 1000))
    length = ds.in_shape[-1]
    if data == "noise":
        x = _noise(samples, length, config.seed)
    elif data == "mnist1d":
        perm = torch.randperm(len(ds.x_train), generator=torch.Generator().manual_seed(config.seed))
        x = ds.x_train[perm[:samples]]
    else:
        raise ValueError(f"data must be 'noise' or 'mnist1d', got {data!r}")
    start = time.perf_counter()
    layer, found = fit_linear_dft(
        x,
        steps=int(s.get("steps", 500)),
        lr=float(s.get("lr", 0.1)),
        batch_size=int(s.get("batch_size", 128)),
        seed=config.seed,
    )
    seconds = time.perf_counter() - start
    per_freq = frequency_errors(layer.weight)
    rows = extras("linear", {"weight_error": found["weight_error"]})
    rows += extras("frequency", {str(k): float(e) for k, e in enumerate(per_freq)})
    metrics = _empty_metrics(
        params=layer.weight.numel(), final_loss=found["fit_error"], train_seconds=seconds
    )
    return RunResult(metrics=metrics, layers=rows, curve=[])


def _target(x: torch.Tensor) -> torch.Tensor:
    from invlab.invariants import FourierModulus

    return FourierModulus(dims=1, normalized=True)(x).flatten(1)


def _mlp(length: int, out: int, width: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten()]
    features = length
    for _ in range(depth):
        layers += [nn.Linear(features, width), nn.ReLU()]
        features = width
    layers.append(nn.Linear(features, out))
    return nn.Sequential(*layers)


def _train_dft_mlp(config: RunConfig, ds: Dataset, width: int, depth: int, samples: int):
    x = ds.x_train[:samples]
    y = _target(x)
    model = _mlp(x.shape[-1], y.shape[1], width, depth)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed)
    steps = config.epochs * math.ceil(len(x) / config.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    for _ in range(config.epochs):
        for idx in torch.randperm(len(x), generator=gen).split(config.batch_size):
            optimiser.zero_grad()
            loss = (model(x[idx]) - y[idx]).square().mean()
            loss.backward()
            optimiser.step()
            schedule.step()
    return model.eval()


@torch.no_grad()
def _invariance(model: nn.Module, x: torch.Tensor, config: RunConfig) -> dict[str, float]:
    """Relative fit error to ``|DFT x|``, and Goodfellow score and sensitivity of the output."""
    from invlab.measure import layer_names, measure
    from invlab.transforms.spec import parse_transform

    target = _target(x)
    fit = (model(x).flatten(1) - target).square().sum() / target.square().sum()
    out = layer_names(model)[-1]
    table = measure(
        model,
        x,
        parse_transform(config.transform, 1),
        layers=[out],
        metrics=["goodfellow", "sensitivity"],
        steps=config.steps,
    )
    read = table.set_index("metric").value
    return {
        "fit_error": float(fit),
        "goodfellow": float(read["goodfellow"]),
        "sensitivity": float(read["sensitivity"]),
    }


def _measured(model: nn.Module, config: RunConfig, ds: Dataset, seconds: float) -> RunResult:
    start = time.perf_counter()
    n = config.measure_inputs
    inside = _invariance(model, ds.x_test[:n], config)
    outside = _invariance(model, _noise(n, ds.in_shape[-1], config.seed), config)
    metrics = _empty_metrics(
        params=sum(p.numel() for p in model.parameters()),
        goodfellow=inside["goodfellow"],
        sensitivity=inside["sensitivity"],
        final_loss=inside["fit_error"],
        train_seconds=seconds,
        measure_seconds=time.perf_counter() - start,
        grid=grid_text(config),
    )
    rows = extras("mnist1d", inside) + extras("noise", outside)
    return RunResult(metrics=metrics, layers=rows, curve=[])


def _dft_mlp(config: RunConfig, ds: Dataset) -> RunResult:
    s = config.size
    start = time.perf_counter()
    model = _train_dft_mlp(
        config,
        ds,
        int(s.get("width", 256)),
        int(s.get("depth", 2)),
        int(s.get("samples", len(ds.x_train))),
    )
    return _measured(model, config, ds, time.perf_counter() - start)


def _exact(config: RunConfig, ds: Dataset) -> RunResult:
    from invlab.invariants import FourierModulus

    model = nn.Sequential(FourierModulus(dims=1, normalized=True), nn.Flatten())
    return _measured(model, config, ds, 0.0)


class _LogRelu(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log1p(torch.relu(x))


def _classifier(config: RunConfig, ds: Dataset) -> RunResult:
    from invlab.models.staged import Staged, dense_head
    from invlab.study.runs.common import measure_trained, train_as_configured

    s = config.size
    start = time.perf_counter()
    learned = _train_dft_mlp(
        config, ds, int(s.get("width", 256)), int(s.get("depth", 2)), len(ds.x_train)
    )
    for p in learned.parameters():
        p.requires_grad_(False)
    features = learned[-1].out_features
    stages = {"learned_dft": learned, "log": _LogRelu()}
    stages.update(
        dense_head(
            features, ds.num_classes, int(s.get("head_width", 256)), int(s.get("head_depth", 2))
        )
    )
    model = Staged(**stages)
    result = train_as_configured(model, config, ds)
    seconds = time.perf_counter() - start
    return measure_trained(model, config, ds, result, seconds, config.measure_inputs)
