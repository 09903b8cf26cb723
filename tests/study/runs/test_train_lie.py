"""The ``train-lie`` run kind, added as one file: a spec names it with ``kind = "train-lie"``,
and its runs store each layer's Lie derivative beside the usual per-layer values."""

from __future__ import annotations

import pytest

from invlab.study import ResultStore, parse_spec, run_study
from invlab.study.runs import list_kinds

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_spec_line_runs_the_new_kind_and_stores_the_lie_derivative(tmp_path):
    assert "train-lie" in list_kinds()
    spec = parse_spec(
        {
            "name": "lie",
            "datasets": ["mnist1d"],
            "training": {"epochs": 1},
            "measure": {"transforms": ["shift:-4:4"], "inputs": 120, "steps": 3},
            "models": [
                {"kind": "train-lie", "name": "fourier_mlp", "grid": {"width": 16, "depth": 1}},
                {"kind": "train-lie", "name": "mlp", "grid": {"width": 16, "depth": 1}},
            ],
        }
    )
    assert run_study(spec, tmp_path / "r.db", raise_errors=True) == (2, 0)
    with ResultStore(tmp_path / "r.db") as store:
        runs, layers = store.runs(), store.layers()
    lie = layers[layers.metric == "lie"].set_index(["label", "layer"]).value
    # the Fourier modulus is exactly invariant under band-limited translation: its features
    # (flatten) and everything after them do not move, while an MLP's hidden layer does
    fourier = runs[runs.model == "fourier_mlp"].label.iloc[0]
    plain = runs[runs.model == "mlp"].label.iloc[0]
    assert lie[(fourier, "flatten")] < 1e-8 and lie[(fourier, "logits")] < 1e-8
    assert lie[(plain, "hidden1")] > 1e-3
    assert {"lie", "lie_contribution", "sensitivity"} <= set(layers.metric)


def test_several_transformations_and_the_initialisation_are_stored_under_their_own_names(tmp_path):
    import torch

    from invlab.data import load_dataset
    from invlab.measure import lie_derivative
    from invlab.models import create_model
    from invlab.train import seeded
    from invlab.transforms import Rotate

    spec = parse_spec(
        {
            "name": "lie-2d",
            "datasets": ["digits"],
            "training": {"epochs": 2, "lr": 1e-2},
            "measure": {
                "transforms": ["rotate:-10:10"],
                "metrics": ["accuracy"],
                "inputs": 50,
                "steps": 3,
                "lie_transforms": ["shift:-1:1", "rotate:-10:10"],
                "at_init": True,
            },
            "models": [{"kind": "train-lie", "name": "mlp", "grid": {"width": 16, "depth": 1}}],
        }
    )
    assert run_study(spec, tmp_path / "r.db", raise_errors=True) == (1, 0)
    with ResultStore(tmp_path / "r.db") as store:
        layers = store.layers()
    value = layers.set_index(["layer", "metric"]).value
    stored = set(layers.metric)
    for prefix in ("", "init_"):
        for kind in ("shift", "rotate"):
            for metric in ("lie", "lie_contribution", "lie_relative"):
                assert f"{prefix}{metric}_{kind}" in stored
    assert "lie" not in stored and "init_lie_scale" not in stored
    # the initial values are those of the weights training starts from, on the same inputs
    ds = load_dataset("digits")
    start = seeded(
        lambda: create_model("mlp", in_shape=ds.in_shape, num_classes=10, width=16, depth=1), 0
    )
    with torch.random.fork_rng():
        df = lie_derivative(start, ds.x_test[:50], Rotate((-10, 10)), ["hidden1", "logits"])
    expected = df[(df.metric == "lie_relative") & (df.param == "mean")].set_index("layer").value
    for layer in ("hidden1", "logits"):
        at_init = value[(layer, "init_lie_relative_rotate")]
        assert at_init == pytest.approx(expected[layer], rel=1e-6)
        assert value[(layer, "lie_relative_rotate")] != pytest.approx(at_init, rel=1e-3)


@pytest.mark.parametrize(
    ("measure", "kind", "message"),
    [
        ({"lie_transforms": ["deform:1"]}, "train-lie", r"'deform:1' has no Lie derivative"),
        ({"lie_transforms": ["shift:1+rotate:-5:5"]}, "train-lie", r"has no Lie derivative"),
        ({"lie_transforms": ["rotate:-5:5", "rotate:-9:9"]}, "train-lie", r"listed twice"),
        ({"at_init": True}, "train", r"apply to kind 'train-lie' only; the models list kind"),
    ],
)
def test_lie_options_that_cannot_apply_are_refused_when_the_spec_is_read(measure, kind, message):
    from invlab.study.spec.study_file import SpecError

    data = {
        "name": "bad",
        "datasets": ["digits"],
        "measure": measure,
        "models": [{"kind": kind, "name": "mlp"}],
    }
    with pytest.raises(SpecError, match=message):
        parse_spec(data)


def test_the_lie_options_enter_a_runs_key_only_when_set():
    from dataclasses import replace

    from invlab.study.spec.run_config import RunConfig

    run = RunConfig(dataset="digits", model="mlp", kind="train-lie")
    assert "lie_transforms" not in run.as_dict() and "measure_at_init" not in run.as_dict()
    extended = replace(run, lie_transforms=("rotate:-5:5",), measure_at_init=True)
    assert extended.key() != run.key() != replace(run, measure_at_init=True).key()
    assert RunConfig.from_dict(extended.as_dict()).key() == extended.key()
