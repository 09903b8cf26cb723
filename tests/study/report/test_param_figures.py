"""The parameterisation and ensemble figures draw each network against the kernel of its own
depth: a study that holds a depth-3 sweep beside depth-1 ensembles (and a kernel of each depth)
puts only the depth-3 kernel's lines beside the depth-3 networks, and only the depth-1 kernels'
beside the ensembles."""

from __future__ import annotations

import pytest

from invlab.study import ResultStore, parse_spec, run_study
from invlab.study.report.param_figures import ensemble_figure, parameterisation_figure

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = {"n_train": 24, "n_test": 12, "steps": 3, "lr": 0.1}


def _horizontal_lines(ax) -> set[float]:
    """The y values of an axis's horizontal lines (``axhline``: two equal y, x in axes units)."""
    return {
        round(float(line.get_ydata()[0]), 9)
        for line in ax.lines
        if len(line.get_ydata()) == 2 and line.get_ydata()[0] == line.get_ydata()[1]
    }


@pytest.fixture(scope="module")
def mixed_depths(tmp_path_factory):
    models = [
        {
            "kind": "finite",
            "name": "stax_mlp",
            "family": "mlp depth 3 {param}",
            "grid": {"width": [8, 16], "depth": 3, "param": "ntk", **SMALL},
        },
        {
            "kind": "ensemble",
            "name": "stax_mlp",
            "family": "ensemble {param}",
            "grid": {"width": [8, 16], "depth": 1, "param": "mup", "members": 2, **SMALL},
        },
        {"kind": "kernel", "name": "mlp", "grid": {"depth": [1, 3], **SMALL}, "seeds": 1},
    ]
    spec = parse_spec({"name": "depths", "datasets": ["mnist1d"], "models": models, "seeds": 1})
    db = tmp_path_factory.mktemp("depths") / "r.db"
    run_study(spec, db, raise_errors=True)
    with ResultStore(db) as store:
        runs, layers = store.runs(), store.layers()
    kernels = runs[runs.kind == "kernel"].copy()
    kernels["depth"] = kernels["size"].map(lambda s: 3 if '"depth": 3' in s else 1)
    return runs, layers, kernels.set_index("depth")


def test_the_depth_3_sweep_is_drawn_against_the_depth_3_kernel_only(mixed_depths):
    runs, layers, kernels = mixed_depths
    deep, shallow = kernels.loc[3, "sensitivity"], kernels.loc[1, "sensitivity"]
    assert round(deep, 9) != round(shallow, 9)  # otherwise the test could not tell them apart
    fig = parameterisation_figure(runs, layers)
    sensitivity_panel = fig.axes[2]  # the MLP row: accuracy, consistency, sensitivity, tuning
    assert sensitivity_panel.get_title() == "MLP: feature sensitivity (0 = invariant)"
    assert _horizontal_lines(sensitivity_panel) == {round(float(deep), 9)}


def test_depth_1_ensembles_are_drawn_against_the_depth_1_kernel_only(mixed_depths):
    runs, layers, kernels = mixed_depths
    fig = ensemble_figure(runs, layers)
    consistency = fig.axes[0]
    assert consistency.get_title() == "consistency"
    assert _horizontal_lines(consistency) == {round(float(kernels.loc[1, "consistency"]), 9)}
