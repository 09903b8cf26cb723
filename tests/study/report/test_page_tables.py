"""The results page's markdown tables (`invlab report --markdown --table ...`): every cell is
the mean over seeds with the spread asked for, rows and columns are the ones named, points sit
at the transformation's unit, and bad options are refused by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _paths import REPO
from invlab.study.report.curve_axis import axis_label, point_text, with_positions
from invlab.study.report.markdown import curve_markdown, layer_markdown, markdown_table, page_table
from invlab.study.stats import mean_ci, sampled_mean_ci

ACC = {("a", 0): 0.91, ("a", 1): 0.95, ("a", 2): 0.90, ("b", 0): 0.50, ("b", 1): 0.62}


def runs_frame() -> pd.DataFrame:
    rows = []
    for (group, seed), acc in ACC.items():
        rows.append(
            {"key": f"{group}{seed}", "group": group, "seed": seed, "status": "done"}
            | {"label": f"m({group})", "family": f"family |{group}|", "augment": None}
            | {"dataset": "digits", "transform": f"deform:{2 if group == 'a' else 1}"}
            | {"params": 10, "test_accuracy": acc, "transformed_accuracy": acc / 2}
            | {"consistency": 1.0, "goodfellow": 50.0 + seed, "sensitivity": 0.1 * seed}
            | {"seconds": 1.0, "test_points": 450, "measured_points": 450}
        )
    return pd.DataFrame(rows)


def curves_frame(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for run in runs.to_dict("records"):
        for i in range(3):  # a deformation path: coefficient tuples, not numbers
            rows.append(
                {k: run[k] for k in ("key", "group", "seed", "label", "family", "augment")}
                | {"dataset": run["dataset"], "transform": run["transform"]}
                | {"param": (0.1 * i, -0.2 * i)}
                | {"accuracy": run["test_accuracy"] - 0.1 * i}
            )
    return pd.DataFrame(rows)


def layers_frame(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for run in runs.to_dict("records"):
        for depth, layer in enumerate(("input", "conv1", "pool")):
            for metric in ("sensitivity", "goodfellow"):
                rows.append(
                    {k: run[k] for k in ("key", "group", "seed", "label", "family", "augment")}
                    | {"layer": layer, "metric": metric, "value": depth + run["seed"] / 10}
                )
    return pd.DataFrame(rows)


def cells(table: str, row: int) -> list[str]:
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    return [c.strip() for c in lines[row].strip("|").split(" | ")]


def test_summary_cells_are_mean_and_interval_or_sd_and_context_columns_appear():
    runs = runs_frame()
    table = markdown_table(runs, metrics=["test_accuracy"], labels=["m(b)", "m(a)"])
    assert cells(table, 0) == ["run", "measured under", "params", "n", "test acc"]
    a = sampled_mean_ci([0.91, 0.95, 0.90], 450)  # seeds and the 450 test inputs
    mean_and_ci = f"{a.mean:.1%} ± {a.half_width:.1%}"
    assert cells(table, 2) == ["`m(a)`", "`deform:2`", "10", "3", mean_and_ci]
    unknown = markdown_table(runs.drop(columns="test_points"), metrics=["test_accuracy"])
    seeds = mean_ci([0.91, 0.95, 0.90])
    assert f"{seeds.mean:.1%} ± {seeds.half_width:.1%} (seeds only)" in unknown
    assert cells(table, 1)[0] == "`m(b)`" and cells(table, 1)[3] == "2"  # the order given
    sd = markdown_table(runs, metrics=["test_accuracy"], spread="sd", labels=["m(a)"])
    assert cells(sd, 1)[-1] == f"{a.mean:.1%} ± {np.std([0.91, 0.95, 0.90], ddof=1):.1%}"
    # one transformation only: no 'measured under' column
    assert "measured under" not in markdown_table(runs[runs.group == "a"])


def test_rows_by_family_escape_the_pipe_and_unknown_names_are_refused():
    runs = runs_frame()
    table = markdown_table(runs, rows="family", metrics=["consistency"])
    assert "`family \\|a\\|`" in table  # a '|' would split the markdown cell
    with pytest.raises(ValueError, match=r"labels \[.nope.\] have no finished run; families"):
        markdown_table(runs, rows="family", labels=["nope"])
    for bad, match in (
        (dict(spread="iqr"), "spread must be one of ci, sd"),
        (dict(rows="model"), "rows must be one of label, family"),
        (dict(metrics=["loss"]), "unknown metric 'loss'"),
    ):
        with pytest.raises(ValueError, match=match):
            markdown_table(runs, **bad)


def test_curve_points_sit_at_the_deformation_amplitude():
    runs = runs_frame()
    points = with_positions(curves_frame(runs))
    assert sorted(points[points.group == "a"].x.unique()) == [0.0, 1.0, 2.0]  # deform:2, 3 steps
    assert sorted(points[points.group == "b"].x.unique()) == [0.0, 0.5, 1.0]
    table = curve_markdown(runs, curves_frame(runs), labels=["m(a)"])
    assert "Accuracy along `deform:2` on `digits`" in table and "deform:1" not in table
    assert cells(table, 0) == ["run", "n", "0 px", "1 px", "2 px"]
    last = sampled_mean_ci([0.91 - 0.2, 0.95 - 0.2, 0.90 - 0.2], 450)
    assert cells(table, 1)[-1] == f"{last.mean:.1%} ± {last.half_width:.1%}"


def test_units_of_each_transformation():
    labelled = pd.DataFrame({"transform": ["rotate:0:360"], "axis_label": ["rotation angle (°)"]})
    assert axis_label(labelled) == "rotation angle (°)"
    assert axis_label(labelled.drop(columns="axis_label")) == "transformation parameter"
    assert point_text("rotate:0:360", 30) == "30°"
    assert point_text("shift:-10:10", -3) == "-3" and point_text("scale:0.6:1.5", 1.2) == "×1.2"
    numeric = pd.DataFrame({"key": ["k", "k"], "transform": ["rotate:0:360"] * 2})
    numeric["param"] = [0.0, 90.0]
    assert with_positions(numeric).x.tolist() == [0.0, 90.0]


def test_layer_table_one_metric_at_every_layer_or_every_metric_at_one_layer():
    runs = runs_frame()
    layers = layers_frame(runs)
    table = layer_markdown(runs, layers, metric="sensitivity", labels=["m(a)"])
    assert cells(table, 0) == ["run", "n", "input", "conv1", "pool"]
    pool = mean_ci([2.0, 2.1, 2.2])
    assert cells(table, 1)[-1] == f"{pool.mean:.3f} ± {pool.half_width:.3f}"
    at = layer_markdown(runs, layers, layer="conv1", labels=["m(a)"], columns=["goodfellow"])
    assert cells(at, 0) == ["run", "n", "goodfellow"]
    with pytest.raises(ValueError, match="exactly one of metric"):
        layer_markdown(runs, layers)
    with pytest.raises(ValueError, match="no selected run stored the metric 'accuracy'"):
        layer_markdown(runs, layers, metric="accuracy")
    with pytest.raises(ValueError, match=r"columns \['fc'\] are not among the layers stored"):
        layer_markdown(runs, layers, metric="goodfellow", columns=["fc"])


def test_page_table_dispatch_refuses_options_a_table_does_not_take():
    runs = runs_frame()
    layers, curves = layers_frame(runs), curves_frame(runs)
    assert page_table("summary", runs, layers, curves) == markdown_table(runs)
    with pytest.raises(ValueError, match="table must be one of summary, curve, layers"):
        page_table("figure", runs, layers, curves)
    with pytest.raises(ValueError, match="--layer and --column apply to --table layers only"):
        page_table("curve", runs, layers, curves, layer="pool")
    with pytest.raises(ValueError, match="one per-layer metric"):
        page_table("layers", runs, layers, curves, metrics=["goodfellow", "sensitivity"])


def test_trends_table_gives_each_familys_slope_with_its_interval():
    from invlab.study.report.markdown import trend_markdown

    rows = []
    for seed, noise in enumerate((0.0, 0.01, -0.01)):
        for params, sens in ((100, 0.2), (10_000, 0.4)):  # +0.1 per decade of parameters
            rows.append(
                {"key": f"{params}-{seed}", "group": str(params), "seed": seed, "status": "done"}
                | {"label": f"mlp({params})", "family": "mlp", "augment": None}
                | {"params": params, "sensitivity": sens + noise, "seconds": 1.0}
            )
    table = trend_markdown(pd.DataFrame(rows), ["sensitivity"])
    row = cells(table, 1)
    assert row[:5] == ["`mlp`", "none", "sensitivity", "2", "3"]
    assert row[5].startswith("+0.1 ± ") and row[6] == "grows"


def test_page_command_rewrites_stale_blocks_and_check_names_them(tmp_path, monkeypatch):

    from typer.testing import CliRunner

    from invlab.cli import app

    monkeypatch.chdir(REPO)  # docs/data/ is committed
    command = "invlab report docs/data/deformation.db --markdown - --metric test_accuracy"
    page = tmp_path / "page.md"
    page.write_text(f"# p\n\n<!-- table: {command} -->\n| stale |\n<!-- end -->\n\ntext\n")
    check = CliRunner().invoke(app, ["page", str(page), "--check"])
    assert check.exit_code == 1 and "differs" in check.output and "0 of 1" in check.output
    assert CliRunner().invoke(app, ["page", str(page)]).exit_code == 0
    text = page.read_text()
    assert "| stale |" not in text and text.endswith("<!-- end -->\n\ntext\n")
    assert "| `cnn_maxpool(channels=32,depth=3)` | `deform:0.5` | 19,338 | 3 |" in text
    assert CliRunner().invoke(app, ["page", str(page), "--check"]).exit_code == 0
    page.write_text(
        "<!-- table: invlab report docs/data/deformation.db --markdown out.md -->\n<!-- end -->\n"
    )
    bad = CliRunner().invoke(app, ["page", str(page)])
    assert bad.exit_code == 2 and "must print its table (--markdown -)" in bad.output


def test_layer_columns_keep_every_networks_order_input_to_output():
    from invlab.study.report.markdown import _merged_order

    shallow, deep = (
        ["input", "conv1", "pool", "logits"],
        ["input", "conv1", "conv2", "pool", "logits"],
    )
    assert _merged_order([shallow, deep]) == deep
    mlp = ["input", "flatten", "hidden1", "logits"]
    merged = _merged_order([shallow, mlp, deep])
    for order in (shallow, mlp, deep):  # each network's layers appear in its own order
        assert [name for name in merged if name in order] == order
