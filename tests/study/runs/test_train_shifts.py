"""The ``train-shifts`` run kind: one trained model measured under circular shifts, under the
same shifts made non-circular (a window moved over a zero canvas), and the period of its
predictions along the shift against its number of stride-2 subsamplings."""

from __future__ import annotations

import pytest
import torch

from invlab.study import ResultStore, parse_spec, run_study
from invlab.study.runs import list_kinds
from invlab.transforms import Shift

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_zero_filled_shift_is_a_window_cropped_from_a_zero_canvas():
    x = torch.randn(3, 2, 40)
    canvas = torch.nn.functional.pad(x, (10, 10))  # the signal on a canvas 20 samples wider
    zeros = Shift(shift_range=(-10, 10), mode="zeros")
    for s in range(-10, 11):
        window = canvas[..., 10 - s : 50 - s]  # the crop that sees the content moved by s
        assert torch.equal(zeros.apply(x, torch.full((3, 1), float(s))), window)


def _study(tmp_path, models):
    spec = parse_spec(
        {
            "name": "shifts",
            "datasets": ["mnist1d"],
            "training": {"epochs": 1},
            "measure": {
                "transforms": ["shift:-10:10"],
                "inputs": 64,
                "steps": 21,
                "metrics": ["consistency", "accuracy"],
            },
            "models": models,
        }
    )
    assert run_study(spec, tmp_path / "r.db", raise_errors=True) == (len(models), 0)
    with ResultStore(tmp_path / "r.db") as store:
        return store.runs(), store.layers()


def test_predictions_repeat_with_period_two_to_the_number_of_subsamplings(tmp_path):
    assert "train-shifts" in list_kinds()
    blur = {"channels": 8, "depth": 3, "batch_norm": True, "filter_size": 1}  # max pool 2
    _, layers = _study(
        tmp_path,
        [
            {"kind": "train-shifts", "name": "cnn_blur", "grid": blur},
            {"kind": "train-shifts", "name": "cnn_blur", "grid": {**blur, "depth": 2}},
        ],
    )
    period = layers[layers.layer == "period"].pivot(index="label", columns="metric", values="value")
    for label, row in period.iterrows():
        k = int(row["subsamplings"])
        assert k == (3 if "depth=3" in label else 2)  # 40 → 20 → 10 (→ 5)
        # circular padding, per-channel batch norm, stride-2 subsampling k times: shifting by
        # 2^k commutes with the whole network, so the prediction never changes at that lag
        assert row[f"lag {2**k}"] == 1.0
        assert row["lag 1"] < 1.0  # and the lag-1 shift does change some predictions
    noncircular = layers[layers.layer == "noncircular"]
    assert set(noncircular.metric) == {"accuracy", "consistency"}
    assert noncircular.value.between(0, 1).all()
    curve = layers[layers.layer == "noncircular curve"]
    assert len(curve) == 2 * 21  # every shift of the grid, per run


def test_the_kind_refuses_a_transform_that_is_not_a_circular_shift_before_training():
    from invlab.study.execution.preflight import RunMisfitError, check_runs_fit

    with pytest.raises(RunMisfitError, match=r"measures circular shifts.*'shift:-3:3:zeros'"):
        spec = parse_spec(
            {
                "name": "bad",
                "datasets": ["mnist1d"],
                "training": {"epochs": 1},
                "measure": {"transforms": ["shift:-3:3:zeros"], "steps": 3},
                "models": [{"kind": "train-shifts", "name": "cnn_lp", "grid": {"channels": 2}}],
            }
        )
        check_runs_fit(spec.runs)
