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
