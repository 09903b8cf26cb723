"""Read commands never write (#19 §4): `invlab runs` and `invlab report` leave their input
byte-identical (an empty file, a text file, a real database, one of an earlier schema); both
refuse an unknown --study the same way; `invlab page` stops on any failing, writing, unclosed
or unreadable block with its line number, leaving the page untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _paths import REPO
from invlab.cli import app

DB = REPO / "docs" / "data" / "size-vs-invariance.db"


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("content", [b"", b"hello, not a database\n", b"\x00\xff" * 64])
@pytest.mark.parametrize("command", [["runs"], ["report", "--markdown", "-"], ["report"]])
def test_read_commands_refuse_and_keep_a_non_database(tmp_path, content, command):
    target = tmp_path / "in.db"
    target.write_bytes(content)
    result = _invoke(command[0], target, *command[1:])
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "in.db" in result.output  # one line
    assert _snapshot(tmp_path) == {"in.db": content}


@pytest.mark.parametrize("command", [["runs", "--each"], ["report", "--markdown", "-"]])
def test_read_commands_leave_a_database_and_its_folder_untouched(tmp_path, command):
    shutil.copy(DB, tmp_path / "results.db")
    before = _snapshot(tmp_path)
    result = _invoke(command[0], tmp_path / "results.db", *command[1:])
    assert result.exit_code == 0, result.output
    assert "mlp(width=32,depth=2)" in result.output
    assert _snapshot(tmp_path) == before  # no -wal/-shm files either


@pytest.mark.parametrize("command", [["runs"], ["report", "--markdown", "-"]])
def test_unknown_study_is_refused_with_the_studies_there(tmp_path, command):
    shutil.copy(DB, tmp_path / "results.db")
    result = _invoke(command[0], tmp_path / "results.db", "--study", "nonexistent", *command[1:])
    assert result.exit_code == 2
    assert "'nonexistent'" in result.output and "size-vs-invariance" in result.output


def _page(tmp_path: Path, *commands: str, end: bool = True) -> Path:
    shutil.copy(DB, tmp_path / "results.db")
    text = "# Page\n\nintro\n\n"
    for command in commands:
        text += f"<!-- table: {command} -->\n| old |\n" + ("<!-- end -->\n" if end else "") + "\n"
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


GOOD = "invlab report results.db --markdown - --label 'mlp(width=32,depth=2)'"


def _page_run(page: Path, *options: str, monkeypatch):
    monkeypatch.chdir(page.parent)
    before = page.read_bytes()
    result = _invoke("page", page.name, *options)
    return result, before


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_page_stops_at_a_failing_block_with_its_line(tmp_path, monkeypatch, check):
    page = _page(tmp_path, GOOD, "invlab report missing.db --markdown -")
    result, before = _page_run(page, *check, monkeypatch=monkeypatch)
    assert result.exit_code != 0
    assert "line 9" in result.output and "missing.db" in result.output
    assert "does not exist" in result.output  # the reason, not just "differs"
    assert page.read_bytes() == before


@pytest.mark.parametrize(
    "option",
    [
        "-o victim.txt",
        "--output=victim.txt",
        "-ovictim.txt",
        "--figures-dir figs",
        "--markdown victim.txt",
    ],
)
def test_page_refuses_a_block_that_writes_elsewhere(tmp_path, monkeypatch, option):
    page = _page(tmp_path, f"{GOOD} {option}")
    (tmp_path / "victim.txt").write_text("mine\n")
    before_folder = _snapshot(tmp_path)
    result, _ = _page_run(page, monkeypatch=monkeypatch)
    assert result.exit_code != 0
    assert "line 5" in result.output and "outside the page" in result.output
    assert _snapshot(tmp_path) == before_folder


def test_page_refuses_a_block_without_its_end(tmp_path, monkeypatch):
    page = _page(tmp_path, GOOD)
    page.write_text(page.read_text() + f"<!-- table: {GOOD} -->\n| x |\n\nmore text\n")
    result, before = _page_run(page, monkeypatch=monkeypatch)
    assert result.exit_code != 0
    assert "line 9" in result.output and "<!-- end -->" in result.output
    assert page.read_bytes() == before


def test_page_refuses_a_binary_file_in_one_line(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 10)
    result, before = _page_run(page, monkeypatch=monkeypatch)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "UTF-8" in result.output
    assert page.read_bytes() == before


def test_page_check_says_how_a_block_differs_and_update_rewrites_it(tmp_path, monkeypatch):
    page = _page(tmp_path, GOOD)
    result, before = _page_run(page, "--check", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "differs: line 5" in result.output and "'| old |'" in result.output
    assert page.read_bytes() == before
    result, _ = _page_run(page, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "| `mlp(width=32,depth=2)` |" in page.read_text()
    assert _page_run(page, "--check", monkeypatch=monkeypatch)[0].exit_code == 0
