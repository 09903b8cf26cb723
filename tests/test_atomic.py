"""Study outputs are replaced atomically (#19 §6): report.html, the figures and a results page
are written to a temporary file in their folder and renamed over the old one, so a reader or a
second study never sees a partial file, and a failed write keeps the old one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pytest

from _paths import REPO
from invlab import _atomic as atomic
from invlab.study.report.figures import save_figure
from invlab.study.report.html import write_report

matplotlib.use("Agg")
DB = REPO / "docs" / "data" / "size-vs-invariance.db"


@pytest.fixture
def renames(monkeypatch):
    seen = []
    real = os.replace

    def record(source, target):
        seen.append((Path(source), Path(target)))
        real(source, target)

    monkeypatch.setattr(atomic.os, "replace", record)
    return seen


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old report")
    with pytest.raises(RuntimeError), atomic.replacing(target) as temporary:
        temporary.write_text("half a rep")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_report_html_is_renamed_into_place(tmp_path, renames):
    shutil.copy(DB, tmp_path / "results.db")
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    target.write_text("stale")
    write_report(tmp_path / "results.db", target)
    assert [t for _, t in renames] == [target]
    source = renames[0][0]
    assert source.parent == target.parent and source != target
    assert target.read_text().startswith("<!DOCTYPE html>") or "<html" in target.read_text()
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # readable like a plain write


def test_figures_are_renamed_into_place(tmp_path, renames):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "figs" / "size.png")
    assert [t for _, t in renames] == [path]
    assert path.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in path.parent.iterdir()) == ["size.png"]
