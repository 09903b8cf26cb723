"""Every command prints what the user typed exactly (#19 §5): paths and names with rich markup
(``[/]``, ``[bold]``) or emoji codes (``:-1:``) neither crash the printer nor change."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from _paths import REPO
from invlab.cli import app

DB = REPO / "docs" / "data" / "size-vs-invariance.db"
ODD = ["[/]", "[bold]x", "a:-1:b", ":smile:"]


@pytest.mark.parametrize("odd", ODD)
def test_missing_database_path_is_printed_exactly(tmp_path, odd):
    path = tmp_path / odd / "results.db"
    for command in (["runs", str(path)], ["report", str(path), "--markdown", "-"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2
        assert result.output == f"error: results database {str(path)!r} does not exist\n"


@pytest.mark.parametrize("odd", ODD)
def test_outputs_and_titles_are_printed_exactly(tmp_path, odd):
    folder = tmp_path / odd
    folder.mkdir(parents=True)
    shutil.copy(DB, folder / "r.db")
    result = CliRunner().invoke(app, ["runs", str(folder / "r.db"), "--each"])
    assert result.exit_code == 0 and f"{odd}/r.db: 96 run(s)" in result.output
    result = CliRunner().invoke(app, ["runs", str(folder / "r.db"), "--csv", str(folder / "x.csv")])
    assert result.exit_code == 0 and f"{odd}/x.csv" in result.output
    html = folder / "r.html"
    result = CliRunner().invoke(app, ["report", str(folder / "r.db"), "-o", str(html)])
    assert result.exit_code == 0 and f"{odd}/r.html" in result.output.replace("\n", "")
