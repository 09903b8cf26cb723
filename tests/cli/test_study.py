"""The command line: invlab study (spec files, --list, executors' flags), invlab runs (list,
CSV and Parquet export), invlab report."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from _specs import tiny_toml
from invlab.cli import app
from invlab.study import size_vs_invariance

TINY = tiny_toml(name="cli-tiny")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def flat(output: str) -> str:
    """The output on one line, without rich's box borders."""
    return " ".join(output.replace("│", " ").split())


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Run the tiny spec once through ``invlab study``; return (out folder, first output)."""
    folder = tmp_path_factory.mktemp("cli")
    spec = folder / "tiny.toml"
    spec.write_text(TINY)
    result = CliRunner().invoke(app, ["study", str(spec), "--out", str(folder / "out"), "-q"])
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_study_from_a_spec_file_writes_database_figure_and_report(study):
    folder, output = study
    out = folder / "out"
    assert {p.name for p in out.iterdir()} >= {"results.db", "cli-tiny.png", "report.html"}
    assert "2 run(s) executed, 0 already stored, 0 failed" in output.replace("\n", " ")
    assert "mlp(width=8,depth=1)+aug" in output  # the summary table
    assert "[2/2] done" in output  # --quiet logs a line per run
    rerun = CliRunner().invoke(app, ["study", str(folder / "tiny.toml"), "--out", str(out), "-q"])
    assert rerun.exit_code == 0, rerun.output
    assert "0 run(s) executed, 2 already stored" in rerun.output.replace("\n", " ")


def test_list_shows_the_builtin_studies():
    result = CliRunner().invoke(app, ["study", "--list"])
    assert result.exit_code == 0
    # name, measured wall time, one-line description (read without importing torch)
    assert "size-vs-invariance (default) — " in result.output
    assert "size-vs-invariance-quick — 10 s on 2 idle cores, serial" in result.output
    assert "not measured" not in result.output  # every shipped study has its measured time
    assert size_vs_invariance().description in result.output


def test_bad_spec_and_flags_are_reported(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.replace('name = "mlp"', 'name = "resnet"'))
    result = CliRunner().invoke(app, ["study", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "models[0].name: unknown model 'resnet'" in result.output
    result = CliRunner().invoke(app, ["study", "nope"])
    assert result.exit_code == 2 and "unknown built-in study 'nope'" in result.output
    result = CliRunner().invoke(app, ["study", "size-vs-invarance"])
    assert result.exit_code == 2
    assert "did you mean 'size-vs-invariance'?" in flat(result.output)
    for seeds in ("0,-1", "", "a"):
        result = CliRunner().invoke(app, ["study", "--quick", "--seeds", seeds])
        assert result.exit_code == 2 and "seed" in result.output, result.output
    both = ["study", "--quick", "--jobs", "2", "--dask-local", "2", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, both)
    assert result.exit_code == 2 and "choose one executor" in result.output


def test_runs_lists_and_exports(study, tmp_path):
    folder, _ = study
    db = folder / "out" / "results.db"
    listed = CliRunner().invoke(app, ["runs", str(db), "--each"])
    assert listed.exit_code == 0 and "2 run(s)" in listed.output
    summary = CliRunner().invoke(app, ["runs", str(db)])
    assert summary.exit_code == 0 and "2 run(s), 2 configuration(s)" in summary.output
    assert "n = 1: one seed, no interval" in summary.output
    csv, parquet = tmp_path / "runs.csv", tmp_path / "runs.parquet"
    exported = CliRunner().invoke(
        app, ["runs", str(db), "--csv", str(csv), "--parquet", str(parquet)]
    )
    assert exported.exit_code == 0, exported.output
    from_csv, from_parquet = pd.read_csv(csv), pd.read_parquet(parquet)
    assert sorted(from_csv.key) == sorted(from_parquet.key) and len(from_csv) == 2
    assert from_parquet.test_accuracy.between(0, 1).all()
    assert list(from_csv.columns) == list(from_parquet.columns)


def test_report_command_and_bad_databases(study, tmp_path):
    folder, _ = study
    db = folder / "out" / "results.db"
    page = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(db), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert page.read_text().count("<tr data-key=") == 2
    result = CliRunner().invoke(app, ["report", str(db), "--study", "nope"])
    assert result.exit_code == 2 and "study 'nope' has no runs" in result.output
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    for command in (["runs", str(notes)], ["report", str(notes)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and "is not a SQLite database" in result.output
    assert notes.read_text() == "not a database"


def test_a_study_with_failed_runs_exits_non_zero_and_reports_them(tmp_path, monkeypatch):
    import invlab.study.runs as execute_module

    real = execute_module.execute_run

    def flaky(config, *args, **kwargs):
        if config.augment:
            raise FloatingPointError("loss became NaN")
        return real(config, *args, **kwargs)

    monkeypatch.setattr(execute_module, "execute_run", flaky)
    spec, out = tmp_path / "tiny.toml", tmp_path / "out"
    spec.write_text(TINY)
    result = CliRunner().invoke(app, ["study", str(spec), "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output
    assert "1 run(s) failed" in result.output.replace("\n", " ")
    db = str(out / "results.db")
    errors = CliRunner().invoke(app, ["runs", db, "--errors"])
    assert errors.exit_code == 0
    assert "FloatingPointError: loss became NaN" in errors.output
    assert "mlp(width=8,depth=1)+aug" in errors.output and "run(s)" not in errors.output
    # the report shows the failed run's error message, not only a red row
    page = (out / "report.html").read_text()
    assert "Failed runs (1)" in page and "FloatingPointError: loss became NaN" in page


def test_runs_errors_without_failures_says_so(study):
    folder, _ = study
    result = CliRunner().invoke(app, ["runs", str(folder / "out" / "results.db"), "--errors"])
    assert result.exit_code == 0
    assert "no failed runs" in result.output and "run(s)" not in result.output


def test_two_seeds_are_stored_aggregated_compared_and_written_as_a_results_page(tmp_path):
    spec, out = tmp_path / "tiny.toml", tmp_path / "out"
    spec.write_text(TINY.replace("[training]", "seeds = 2\n[training]"))
    result = CliRunner().invoke(app, ["study", str(spec), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "4 run(s) executed" in text and "2 seed(s): 0, 1" in text
    assert "±" in text and "95 % Student-t interval" in text
    db = str(out / "results.db")
    a, b = "mlp(width=8,depth=1)", "mlp(width=8,depth=1)+aug"
    compared = CliRunner().invoke(app, ["runs", db, "--compare", "sensitivity", a, b])
    assert compared.exit_code == 0, compared.output
    assert f"sensitivity: {b} − {a} = " in compared.output and "n = 2 seed(s)" in compared.output
    bad = CliRunner().invoke(app, ["runs", db, "--compare", "sensitivity", a, "cnn"])
    assert bad.exit_code == 2 and "no run labelled 'cnn'" in bad.output
    page, figures = tmp_path / "page.md", tmp_path / "figures"
    written = CliRunner().invoke(
        app, ["report", db, "--markdown", str(page), "--figures-dir", str(figures), "--label", b]
    )
    assert written.exit_code == 0, written.output
    assert sorted(p.name for p in figures.iterdir()) == ["curve.png", "layers.png", "size.png"]
    lines = page.read_text().splitlines()
    assert len(lines) == 3 and lines[2].startswith(f"| `{b}` | 418 | 2 | ")
    assert lines[2].count("±") == 7  # fit (train acc, loss), accuracy and invariance
    assert not (tmp_path / "report.html").exists()  # only what was asked for
    printed = CliRunner().invoke(app, ["report", db, "--markdown", "-"])
    assert printed.exit_code == 0 and printed.output.count("\n") == 4
