"""The release files a user expects (#19 §1): the licence pyproject claims, py.typed shipped as
package data, ``invlab.__version__`` equal to the installed metadata, ``invlab --version``, and
a changelog with an Unreleased section."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from typer.testing import CliRunner

import invlab
from _paths import REPO
from invlab.cli import app

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_license_file_is_the_bsd_3_clause_text_pyproject_claims():
    assert PYPROJECT["project"]["license"] == "BSD-3-Clause"
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "invlab developers" in text
    assert "Neither the name of the copyright holder nor the names of its" in text


def test_py_typed_is_package_data():
    assert (REPO / "src" / "invlab" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["invlab"]


def test_version_comes_from_the_package_metadata():
    assert invlab.__version__ == version("invlab")  # the installed distribution's
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"invlab {invlab.__version__}\n"


def test_changelog_has_an_unreleased_section():
    assert "\n## Unreleased\n" in (REPO / "CHANGELOG.md").read_text()


def test_the_wheel_check_runs_in_the_readme_test_command():
    makefile = (REPO / "Makefile").read_text()
    test_target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "wheel-check" in test_target
    script = (REPO / ".ci" / "wheel-check").read_text()
    for command in ("--help", "--version", "study --list", "study --quick --out"):
        assert f'"$INVLAB" {command}' in script
