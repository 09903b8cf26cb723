"""The ``train-zoom`` run kind: a zoo model trained on a rendered data set at scale 1 and tested
on the same test glyphs *rendered* at every zoom of the run's ``scale:LOW:HIGH`` grid
(``load_dataset(dataset, scale=z)``, :func:`invlab.data.rendered_digits`), not interpolated.

Stored: ``test_accuracy`` (zoom 1, whole test set), the accuracy at every zoom (the curve) on
the first ``measure_inputs`` test glyphs, their mean (``transformed_accuracy``) and Zhang's
consistency over the zoom grid (:func:`invlab.measure.metrics.consistency.agreement`: the
same estimator as every other kind). Goodfellow and sensitivity are not measured (NaN).
"""

from __future__ import annotations

import time
from functools import lru_cache

import torch

from invlab.study.runs.common import build_and_train, dataset
from invlab.study.runs.kinds.train import Train
from invlab.study.runs.output_only import output_metrics
from invlab.study.runs.registry import register
from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult


@lru_cache(maxsize=16)
def zoomed_test(name: str, zoom: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The test split of data set ``name`` rendered at ``zoom`` (same glyphs as at zoom 1)."""
    from invlab.data import load_dataset

    try:
        ds = load_dataset(name, scale=zoom)
    except TypeError as err:
        raise ValueError(
            f"kind 'train-zoom' renders the test set at each zoom, so dataset must be a rendered "
            f"one that takes scale= (e.g. 'rendered_zoom32'), got {name!r}: {err}"
        ) from err
    return ds.x_test, ds.y_test


def _zoom(config: RunConfig):
    from invlab.transforms import Scale
    from invlab.transforms.spec import parse_transform

    zoom = parse_transform(config.transform, 2)
    if not isinstance(zoom, Scale):
        raise ValueError(
            f"kind 'train-zoom' tests zooms: transform must be 'scale:LOW:HIGH', got "
            f"{config.transform!r}"
        )
    return zoom


@register
class TrainZoom(Train):
    """Train a zoo model at scale 1; test it on the test glyphs rendered at every zoom."""

    name = "train-zoom"
    description = "a zoo model trained at scale 1, tested on glyphs rendered at every zoom"
    figures = ("curve",)

    def check_fits(self, config: RunConfig, in_shape, num_classes) -> None:
        super().check_fits(config, in_shape, num_classes)
        _zoom(config)

    def execute(self, config: RunConfig, device=None) -> RunResult:
        from invlab.train import accuracy

        zoom = _zoom(config)
        ds = dataset(config.dataset)
        model, trained, train_seconds = build_and_train(config, ds, device)

        start = time.perf_counter()
        model.eval()
        n = config.measure_inputs
        zooms = [round(float(z), 4) for z in zoom.grid(config.steps)[:, 0]]
        logits, curve = [], []
        for z in zooms:
            x, y = zoomed_test(config.dataset, z)
            x, y = x[:n], y[:n]
            with torch.no_grad():
                out = torch.cat([model(b.to(device or "cpu")).cpu() for b in x.split(500)])
            logits.append(out)
            curve.append({"param": z, "accuracy": float((out.argmax(1) == y).float().mean())})
        from invlab.measure.metrics.consistency import agreement

        consistency = float(agreement(torch.stack(logits, 1)).mean())
        metrics = output_metrics(
            model,
            trained,
            test_accuracy=accuracy(model, ds.x_test, ds.y_test),
            transformed_accuracy=sum(c["accuracy"] for c in curve) / len(curve),
            consistency=consistency,
            train_seconds=train_seconds,
            measure_seconds=time.perf_counter() - start,
            grid=f"rendered {config.transform} × {len(zooms)}",
            test_points=len(ds.x_test),
            measured_points=len(logits[0]),
        )
        return RunResult(metrics=metrics, layers=[], curve=curve)

    def execute_group(self, configs: list[RunConfig], device=None) -> list[RunResult]:
        return [self.execute(config, device) for config in configs]
