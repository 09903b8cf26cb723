"""The ``train-zoom`` run kind: trained at scale 1, tested on the same test glyphs *rendered*
at every zoom of the grid (not interpolated)."""

from __future__ import annotations

import functools

import pytest
import torch

from invlab.data import rendered_digits
from invlab.data.registry import register_dataset
from invlab.study import ResultStore, parse_spec, run_study
from invlab.study.runs import list_kinds
from invlab.study.runs.kinds.train_zoom import zoomed_test

pytestmark = pytest.mark.usefixtures("one_torch_thread")

register_dataset(
    "tiny_zoom16",
    functools.partial(rendered_digits, 80, 40, size=16, height=(0.3, 0.4), cache=False),
)


def _spec(transform="scale:0.5:2", dataset="tiny_zoom16"):
    return parse_spec(
        {
            "name": "zoom",
            "datasets": [dataset],
            "training": {"epochs": 1, "batch_size": 16},
            "measure": {
                "transforms": [transform],
                "inputs": 40,
                "steps": 3,
                "metrics": ["consistency", "accuracy"],
            },
            "models": [
                {"kind": "train-zoom", "name": "cnn_maxpool", "grid": {"channels": 4}},
                {
                    "kind": "train-zoom",
                    "name": "fourier_mellin_mlp",
                    "grid": {"n_radii": 4, "n_angles": 4, "width": 8, "depth": 1},
                },
            ],
        }
    )


def test_the_test_set_is_rendered_at_each_zoom_not_interpolated():
    small, y = zoomed_test("tiny_zoom16", 0.5)
    large, y2 = zoomed_test("tiny_zoom16", 2.0)
    assert torch.equal(y, y2)  # the same glyphs, so the same labels
    # zoom 2 against zoom 1/2: lengths ×4 and stroke widths ×4, so about (2 / 0.5)² = 16 times
    # the ink (less at 16 px, where the smallest glyphs' strokes are blurred to a pixel)
    ink = large.sum() / small.sum()
    assert 8 < ink < 24
    # and it is the renderer's output, exactly, not a resampled image
    direct = rendered_digits(80, 40, size=16, height=(0.3, 0.4), scale=2.0, cache=False)
    assert torch.equal(large, direct.x_test)


def test_a_run_stores_the_accuracy_at_every_rendered_zoom(tmp_path):
    assert "train-zoom" in list_kinds()
    assert run_study(_spec(), tmp_path / "r.db", raise_errors=True) == (2, 0)
    with ResultStore(tmp_path / "r.db") as store:
        runs, curves = store.runs(), store.curves()
    assert len(runs) == 2
    assert sorted(curves.param.unique()) == pytest.approx([0.5, 1.0, 2.0])
    for label, curve in curves.groupby("label"):
        run = runs[runs.label == label].iloc[0]
        # the mean over the grid is the stored transformed accuracy
        assert run.transformed_accuracy == pytest.approx(curve.accuracy.mean())
        assert 0 <= run.consistency <= 1
    assert runs.grid.str.startswith("rendered scale:0.5:2").all()


def test_the_kind_refuses_a_transformation_that_is_not_a_zoom_before_training():
    from invlab.study.execution.preflight import RunMisfitError, check_runs_fit

    with pytest.raises(RunMisfitError, match=r"tests zooms.*'rotate:-10:10'"):
        check_runs_fit(_spec("rotate:-10:10").runs)


def test_a_dataset_that_cannot_be_rendered_at_a_zoom_is_named():
    with pytest.raises(ValueError, match=r"rendered one that takes scale=.*'digits_padded'"):
        zoomed_test("digits_padded", 0.5)
