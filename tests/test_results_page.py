"""docs/results.md is what the commands it names print: every table sits in a block

    <!-- table: invlab report docs/data/STUDY.db --markdown - ... -->
    | ... |
    <!-- end -->

and is checked here against that command's output on the committed study database
(docs/data/, written by the `invlab study ...` command the section gives). Every figure the page
shows is one that its `<!-- figures: invlab report ... --figures-dir DIR -->` command writes.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from _paths import REPO
from invlab.cli.page_cmd import blocks, command_output

ROOT = REPO
PAGE = ROOT / "docs" / "results.md"
FIGURES = re.compile(r"<!-- figures: (?P<command>invlab report [^\n]*?) -->")
IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>figures/[^)]+\.png)\)")


def _blocks():
    return [(m["command"], m["table"]) for m in blocks(PAGE.read_text(encoding="utf-8"))]


def _invoke(command: str):
    from typer.testing import CliRunner

    from invlab.cli import app

    words = shlex.split(command)[1:]  # without the program name
    return CliRunner().invoke(app, words, catch_exceptions=False)


def test_the_page_has_its_tables_and_each_names_a_committed_database():
    blocks = _blocks()
    assert len(blocks) >= 8, "docs/results.md lost its command-generated tables"
    for command, _ in blocks:
        db = shlex.split(command)[2]
        assert (ROOT / db).is_file(), f"{command!r}: {db} is not committed"


@pytest.mark.parametrize("command, table", _blocks(), ids=lambda v: v[:90] if "report" in v else "")
def test_each_table_is_its_commands_output(command, table, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert table == command_output(command)


def test_each_figure_shown_is_written_by_a_figures_command(tmp_path, monkeypatch):
    text = PAGE.read_text(encoding="utf-8")
    shown = {m["path"] for m in IMAGE.finditer(text)}
    assert shown, "the page shows no figure"
    written = set()
    monkeypatch.chdir(ROOT)
    for found in FIGURES.finditer(text):
        words = shlex.split(found["command"])
        folder = Path(words[words.index("--figures-dir") + 1])
        words[words.index("--figures-dir") + 1] = str(tmp_path / folder.name)
        result = _invoke(shlex.join(words))
        assert result.exit_code == 0, result.output
        shown_as = folder.relative_to("docs").as_posix()
        written |= {f"{shown_as}/{p.name}" for p in (tmp_path / folder.name).glob("*.png")}
    assert shown <= written, f"shown but no command writes them: {sorted(shown - written)}"
    for path in shown:
        assert (ROOT / "docs" / path).is_file(), f"{path} is not committed"


def test_every_image_the_docs_link_is_committed():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for found in re.finditer(r"!\[[^\]]*\]\((?P<path>[^)]+\.png)\)", page.read_text()):
            assert (page.parent / found["path"]).is_file(), f"{page.name}: {found['path']} missing"
