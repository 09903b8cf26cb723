"""The rotation study's run options: augmentation of some classes, metrics per class half,
Augerino's learned range stored with the run, and a model entry's own data sets."""

import math

import pytest
import torch

from invlab.study.runs.common import class_split, learned_ranges
from invlab.study.runs.kinds.train import execute_train
from invlab.study.spec import SpecError, builtin_study, parse_spec
from invlab.study.spec.run_config import RunConfig


def _spec(**model):
    return {
        "name": "tiny",
        "datasets": ["digits_padded"],
        "measure": {"transforms": ["rotate:0:180"], "steps": 3, "inputs": 60},
        "models": [{"name": "cnn_maxpool", "grid": {"channels": 4, "depth": 2}, **model}],
    }


def test_new_fields_at_their_defaults_leave_every_key_unchanged():
    plain = RunConfig("digits", "cnn", size={"channels": 4})
    assert "augment_classes" not in plain.as_dict() and "split_classes" not in plain.as_dict()
    # the key of this configuration before the fields existed (main at 912dfb8)
    assert plain.key() == "cc28d40c28b6a78d"
    some = RunConfig("digits", "cnn", augment="rotate:-9:9", augment_classes=[3, 1])
    assert some.augment_classes == (1, 3) and some.key() != plain.key()
    assert RunConfig.from_dict(some.as_dict()).key() == some.key()
    assert some.label() == "cnn()+aug[1,3]"


def test_spec_gives_augment_classes_split_classes_and_entry_datasets():
    data = _spec(augment="rotate:-180:180", augment_classes=[4, 0])
    data["measure"]["split_classes"] = [0, 1]
    data["models"].append(
        {"name": "mlp", "grid": {"width": 8, "depth": 1}, "datasets": ["digits", "digits_padded"]}
    )
    runs = parse_spec(data).runs
    assert [(r.dataset, r.model) for r in runs] == [
        ("digits_padded", "cnn_maxpool"),
        ("digits_padded", "mlp"),
        ("digits", "mlp"),
    ]
    assert runs[0].augment_classes == (0, 4) and runs[1].augment_classes is None
    assert all(r.split_classes == (0, 1) for r in runs)


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"augment_classes": [0]}, "has no augmentation"),
        ({"augment": "rotate:-9:9", "augment_classes": [0, 0]}, "listed twice"),
        ({"augment": "rotate:-9:9", "augment_classes": [-1]}, "integer >= 0"),
        ({"datasets": ["nope"]}, "unknown dataset 'nope'"),
    ],
)
def test_bad_class_lists_and_datasets_are_refused_with_their_location(entry, message):
    with pytest.raises(SpecError, match=message):
        parse_spec(_spec(**entry))


def test_class_split_measures_each_half_on_its_own_inputs():
    config = RunConfig(
        "digits_padded",
        "cnn_maxpool",
        size={"channels": 4, "depth": 2},
        transform="rotate:0:180",
        steps=3,
        epochs=1,
        measure_inputs=60,
        split_classes=(0, 1, 2, 3, 4),
        metrics=("sensitivity", "consistency", "accuracy"),
    )
    result, model = execute_train(config, keep_model=True)
    split = {r["metric"]: r["value"] for r in result.layers if r["layer"] == "class_split"}
    from invlab.data import load_dataset

    ds = load_dataset("digits_padded")
    y = ds.y_test[:60]
    assert split["in_n"] == int((y < 5).sum()) and split["in_n"] + split["out_n"] == 60
    # the halves' upright accuracies are those of the model on each half's inputs
    with torch.no_grad():
        right = model.eval()(ds.x_test[:60]).argmax(1) == y
    assert split["in_test_accuracy"] == pytest.approx(float(right[y < 5].float().mean()))
    assert split["out_test_accuracy"] == pytest.approx(float(right[y >= 5].float().mean()))
    # the whole measured set's accuracy over the grid is the inputs-weighted mean of the halves
    whole = result.metrics.transformed_accuracy
    mixed = (split["in_accuracy"] * split["in_n"] + split["out_accuracy"] * split["out_n"]) / 60
    assert whole == pytest.approx(mixed, abs=1e-9)
    assert class_split(model, config, ds.x_test[:60], y).keys() == split.keys()


def test_augerinos_learned_range_is_stored_in_degrees():
    config = RunConfig(
        "digits_padded",
        "augerino_cnn",
        size={"channels": 4, "depth": 1, "generators": "rotate", "init_width": 0.5},
        transform="rotate:0:180",
        steps=3,
        epochs=1,
        measure_inputs=40,
        metrics=("sensitivity", "accuracy"),
    )
    result, model = execute_train(config, keep_model=True)
    stored = {r["metric"]: r["value"] for r in result.layers if r["layer"] == "learned_range"}
    assert stored == {"rotate_deg": pytest.approx(math.degrees(model.augment.widths()["rotate"]))}
    # read at the averaged features, the representation its linear read-out reads
    assert result.metrics.probe_layer == "augment" and math.isfinite(result.metrics.sensitivity)
    assert learned_ranges(torch.nn.Linear(2, 2)) == {}


def test_rotation_28px_spec_is_built_in_and_holds_the_five_parts():
    spec = builtin_study("rotation-28px")
    families = {r.family for r in spec.runs}
    assert {"cnn + aug ±180° on 0-4 only", "augerino, rotated data", "gcnn C16"} <= families
    assert {r.dataset for r in spec.runs if r.family == "gcnn C4"} == {
        f"rendered_digits{s}_no9" for s in (16, 28, 40)
    }
    assert len(spec.seeds()) == 3


def test_the_layers_figure_leaves_the_extras_groups_out():
    import pandas as pd

    from invlab.study.report.figures import layer_figure

    rows = [
        {"key": k, "group": "g", "family": "cnn", "augment": None, "layer": layer}
        | {"metric": metric, "value": v}
        for k in ("a", "b")
        for layer, metric, v in [
            ("input", "sensitivity", 0.9),
            ("block1", "sensitivity", 0.5),
            ("pool", "sensitivity", 0.3),
            ("class_split", "in_accuracy", 0.7),
            ("learned_range", "rotate_deg", 40.0),
        ]
    ]
    fig = layer_figure(pd.DataFrame(rows))
    assert [ax.get_title() for ax in fig.axes] == ["sensitivity, without augmentation"]
