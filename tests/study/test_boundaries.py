"""Study-side boundaries: output paths refused before any work, an unreachable scheduler in
one line, the wall times of the built-in studies in ``invlab study --list``."""

import pytest
from typer.testing import CliRunner

from invlab.cli import app
from invlab.study import SpecError, list_builtin, load_spec, parse_spec


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("x")
    return path


def _one_line_error(result, flag):
    assert result.exit_code == 2, result.output
    assert flag in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("where", ["file", "under-file", "proc"])
def test_study_out_refused_before_any_work(a_file, where):
    out = {"file": a_file, "under-file": a_file / "sub", "proc": "/proc/invlab-out"}[where]
    result = CliRunner().invoke(app, ["study", "--quick", "--out", str(out)])
    _one_line_error(result, "--out")
    assert "executed" not in result.output


@pytest.mark.parametrize(
    "args, flag",
    [
        (["report", "DB", "-o", "{file}/r.html"], "--output"),
        (["report", "DB", "--figures-dir", "{file}"], "--figures-dir"),
        (["report", "DB", "--markdown", "/proc/invlab.md"], "--markdown"),
        (["runs", "DB", "--csv", "{file}/x.csv"], "--csv"),
        (["runs", "DB", "--parquet", "/proc/x.parquet"], "--parquet"),
    ],
)
def test_report_and_runs_outputs_refused(a_file, tmp_path, args, flag):
    db = tmp_path / "missing.db"
    args = [a.replace("DB", str(db)).replace("{file}", str(a_file)) for a in args]
    _one_line_error(CliRunner().invoke(app, args), flag)


def test_unreachable_scheduler_is_one_line_within_seconds(tmp_path):
    pytest.importorskip("distributed")
    result = CliRunner().invoke(
        app, ["study", "--quick", "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert result.exit_code == 2
    # the connection gives up after its configured 3 s (asserted on the bound, not on a clock)
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:1 within 3s" in result.output
    assert "Traceback" not in result.output


def test_list_shows_every_builtin_with_its_wall_time():
    result = CliRunner().invoke(app, ["study", "--list"])
    assert result.exit_code == 0
    for name, path in list_builtin().items():
        spec = load_spec(path)
        assert spec.wall_time and spec.wall_time in result.output
        assert f"{name}" in result.output
    assert "1.4 min (86 s) on 2 idle cores" in result.output  # depth.toml's measured time


BASE = {"name": "t", "datasets": ["mnist1d"], "models": [{"name": "mlp", "grid": {"width": 8}}]}


def test_wall_time_is_validated_and_defaults_to_not_measured():
    assert parse_spec(BASE).wall_time == "not measured"
    assert parse_spec({**BASE, "wall_time": "2 s on 2 cores"}).wall_time == "2 s on 2 cores"
    for bad in (3, "", "a\nb"):
        with pytest.raises(SpecError, match="wall_time"):
            parse_spec({**BASE, "wall_time": bad})
