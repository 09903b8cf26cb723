"""``invlab --help`` and usage errors answer without importing torch, pandas or matplotlib."""

import os
import subprocess
import sys

from _paths import SRC

PROBE = """
import sys
from typer.testing import CliRunner
from invlab.cli import app
for args in (["--help"], ["bogus"]):
    result = CliRunner().invoke(app, args)
    print(result.exit_code, "measure" in result.output or "No such command" in result.output)
print(sorted(m for m in ("torch", "pandas", "matplotlib") if m in sys.modules))
"""


def test_help_and_unknown_commands_import_no_heavy_module():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    assert out[0] == "0 True"  # --help lists the commands
    assert out[1] == "2 True"  # an unknown command is a usage error
    assert out[2] == "[]"


def test_commands_still_run_through_the_lazy_group(tmp_path):
    from typer.testing import CliRunner

    from invlab.cli import app

    result = CliRunner().invoke(app, ["measure", "--help"])
    assert result.exit_code == 0 and "--trust-pickle" in result.output
    result = CliRunner().invoke(app, ["measure", "--model", "x.py:f", "--steps", "zero"])
    assert result.exit_code == 2


STUDY_PROBE = """
import sys
from typer.testing import CliRunner
from invlab.cli import app
for args in (["study", "--list"], ["study", "--jobs", "0"], ["runs"]):
    result = CliRunner().invoke(app, args)
    print(result.exit_code)
print(sorted(m for m in ("torch", "pandas", "matplotlib") if m in sys.modules))
"""


def test_study_list_and_argument_errors_import_no_heavy_module():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", STUDY_PROBE], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    assert out[:3] == ["0", "2", "2"]
    assert out[3] == "[]"
