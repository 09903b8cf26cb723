"""A spec that cannot train or measure is refused when it is read or preflighted, before any
training (#19 §5): non-finite or non-positive hyper-parameters, and too few measured inputs for
the Goodfellow score."""

from __future__ import annotations

import tomllib

import pytest

from _paths import REPO
from invlab.study.execution.preflight import RunMisfitError, check_runs_fit
from invlab.study.spec import SpecError, parse_spec

QUICK = REPO / "src/invlab/study/specs/size-vs-invariance-quick.toml"


def _spec(**edits) -> dict:
    data = tomllib.loads(QUICK.read_text())
    for path, value in edits.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key] if not key.isdigit() else target[int(key)]
        target[last] = value
    return data


@pytest.mark.parametrize(
    "path, value",
    [
        ("training__lr", float("inf")),
        ("training__lr", float("nan")),
        ("training__lr", -1e-3),
        ("training__lr", 0.0),
        ("models__0__lr", float("inf")),
        ("regimes__1__lr", float("-inf")),
    ],
)
def test_non_finite_or_non_positive_hyper_parameters_are_refused_on_reading(path, value):
    with pytest.raises(SpecError) as info:
        parse_spec(_spec(**{path: value}), "quick.toml")
    assert "lr" in str(info.value)


@pytest.mark.parametrize("inputs", [1, 50, 99])
def test_too_few_inputs_for_the_goodfellow_score_are_refused_before_training(inputs):
    spec = parse_spec(_spec(measure__inputs=inputs), "quick.toml")
    with pytest.raises(RunMisfitError) as info:
        check_runs_fit(spec.runs)
    message = str(info.value)
    assert f"inputs = {inputs}" in message and "at least 100" in message
    assert message.count("inputs =") == 1  # one problem, not one per run


def test_enough_inputs_or_no_goodfellow_pass_the_preflight():
    check_runs_fit(parse_spec(_spec(measure__inputs=100), "quick.toml").runs)
    without = _spec(measure__inputs=50, measure__metrics=["sensitivity", "accuracy"])
    check_runs_fit(parse_spec(without, "quick.toml").runs)
