"""The record of a model measured at its output only: nothing probed, the rest as measured."""

import math

import pytest
from torch import nn

from invlab.study.runs.output_only import output_metrics
from invlab.train.loop import TrainResult

MEASURED = dict(
    test_accuracy=0.5,
    transformed_accuracy=0.25,
    consistency=0.75,
    train_seconds=1.0,
    measure_seconds=2.0,
    grid="scale:0.5:2 × 3",
    test_points=40,
    measured_points=20,
)


def test_nothing_is_probed_and_the_model_and_its_training_fill_the_rest():
    model = nn.Linear(3, 2)  # 3·2 weights + 2 biases
    trained = TrainResult(losses=[0.9, 0.4], train_accuracy=0.8)
    m = output_metrics(model, trained, **MEASURED)
    assert (m.params, m.train_accuracy, m.final_loss, m.probe_layer) == (8, 0.8, 0.4, "")
    assert math.isnan(m.goodfellow) and math.isnan(m.sensitivity)
    assert {k: getattr(m, k) for k in MEASURED} == MEASURED
    # fields that only a training run with a target fills keep their defaults
    assert math.isnan(m.fit_loss) and math.isnan(m.epochs_run)


def test_a_missing_measured_field_is_refused():
    partial = {k: v for k, v in MEASURED.items() if k != "consistency"}
    with pytest.raises(TypeError, match="consistency"):
        output_metrics(nn.Linear(3, 2), TrainResult(losses=[0.1]), **partial)
