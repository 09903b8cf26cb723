"""One axis label per transformation: the one it owns (``Transform.axis_label``), read alike by
the measurement figures and by the study reports (through the store's curves)."""

import pandas as pd
import pytest

from invlab.measure.plots import axis_label as measure_label
from invlab.study.report.curve_axis import axis_label as report_label
from invlab.study.report.figures import curve_figure
from invlab.study.spec.run_config import RunConfig
from invlab.study.store import ResultStore
from invlab.study.store.axis_labels import with_axis_labels
from invlab.transforms import Compose, Deform, Flip, Rotate, Rotate90, Scale, Shift, Transform
from invlab.transforms.spec import KINDS, parse_transform

# one spec per kind of transformation (and a composition)
SPECS = ["shift:-4:4", "rotate:-45:45", "scale:0.7:1.4", "rotate90", "flip", "deform:1.5"]
SPECS += ["shift:-2:2+rotate:-10:10"]


def test_the_specs_cover_every_kind():
    assert {s.split(":")[0].split("+")[0] for s in SPECS} == set(KINDS)


@pytest.mark.parametrize("spec", SPECS)
def test_measure_and_report_give_the_transformations_own_label(spec):
    transform = parse_transform(spec)
    curves = pd.DataFrame({"transform": [spec, spec], "param": [0.0, 1.0]})
    assert measure_label(transform) == transform.axis_label
    assert report_label(with_axis_labels(curves)) == transform.axis_label


def test_labels_name_the_parameter_and_its_unit():
    expected = {
        Shift(4): "shift (samples)",
        Shift(4, dims=2): "shift (pixels)",
        Rotate((-30, 30)): "rotation angle (°)",
        Scale((0.8, 1.2)): "scale factor",
        Deform(1.0): "deformation amplitude (RMS pixels)",
        Rotate90(): "quarter turns",
        Flip(): "flipped (0: no, 1: yes)",
        Compose([Shift(2, dims=2), Rotate()]): "transformation parameter",
    }
    assert {t: t.axis_label for t in expected} == expected
    assert measure_label(None) == Transform.axis_label == "transformation parameter"


def test_a_stored_curve_is_drawn_with_its_transformations_label(tmp_path):
    from invlab.study.store.records import RunMetrics

    size = {"width": 8, "depth": 1}
    config = RunConfig(dataset="digits", model="mlp", size=size, transform="rotate:-30:30")
    record = dict(params=10, train_accuracy=0.5, test_accuracy=0.5, transformed_accuracy=0.4)
    record.update(consistency=0.9, probe_layer="hidden1", goodfellow=20.0, sensitivity=0.3)
    record.update(train_seconds=1.0, measure_seconds=0.5, final_loss=1.2)
    curve = [{"param": p, "accuracy": 0.5} for p in (-30.0, 0.0, 30.0)]
    with ResultStore(tmp_path / "r.db") as store:
        store.save("s", config, metrics=RunMetrics(**record), layers=[], curve=curve)
        curves = store.curves()
    assert set(curves.axis_label) == {Rotate().axis_label}
    fig = curve_figure(curves)
    assert fig.axes[0].get_xlabel() == Rotate().axis_label == "rotation angle (°)"
