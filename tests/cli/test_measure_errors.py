"""`invlab measure` speaks one line of plain text (#19 §5): the user's broken model file or
factory is located at their file:line, weights of the wrong shapes are listed, a TorchScript
archive given as --weights is redirected (never towards weights_only=False), a meta or missing
device is refused, and user text is printed exactly (no rich markup, no emoji codes)."""

from __future__ import annotations

import textwrap
import warnings

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from invlab.cli import app

GOOD = textwrap.dedent(
    """
    from torch import nn

    def build(width=4):
        return nn.Sequential(nn.Flatten(), nn.Linear(40, width), nn.ReLU(), nn.Linear(width, 10))

    def wide():
        return build(8)

    def broken():
        layers = [nn.Flatten()]
        return nn.Sequential(*layers, nn.Linear(40, 4, bias="yes", nonsense=1))
    """
)


def _measure(*args: str):
    result = CliRunner().invoke(app, ["measure", "--limit", "40", "--no-plots", *args])
    return result.exit_code, result.output


def _one_line_error(code: int, output: str) -> str:
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "nets.py").write_text(GOOD)
    (tmp_path / "syntax.py").write_text(
        "from torch import nn\n\ndef build(:\n    return nn.Identity()\n"
    )
    (tmp_path / "boom.py").write_text("import torch\n\nraise RuntimeError('no GPU here')\n")
    return tmp_path


def test_syntax_error_in_the_model_file_is_one_line_at_its_line(files):
    line = _one_line_error(
        *_measure("--model", f"{files / 'syntax.py'}:build", "--out", str(files))
    )
    assert "syntax.py:3" in line and "syntax error" in line


def test_model_file_that_raises_on_import_is_located(files):
    line = _one_line_error(*_measure("--model", f"{files / 'boom.py'}:build", "--out", str(files)))
    assert "boom.py:3" in line and "RuntimeError" in line and "no GPU here" in line


def test_factory_that_raises_is_located_in_the_users_file(files):
    line = _one_line_error(*_measure("--model", f"{files / 'nets.py'}:broken", "--out", str(files)))
    assert "nets.py:12" in line and "TypeError" in line and "broken()" in line


def test_weights_of_other_shapes_list_the_keys_and_shapes(files):
    wide = nn.Sequential(nn.Flatten(), nn.Linear(40, 8), nn.ReLU(), nn.Linear(8, 10))
    torch.save(wide.state_dict(), files / "wide.pt")
    code, output = _measure(
        "--model", f"{files / 'nets.py'}:build", "--weights", str(files / "wide.pt"),
        "--out", str(files),
    )  # fmt: skip
    line = _one_line_error(code, output)
    assert "1.weight: checkpoint (8, 40), model (4, 40)" in line
    assert "3.weight: checkpoint (10, 8), model (10, 4)" in line and "1.bias" in line


def test_torchscript_archive_as_weights_is_redirected_not_unpickled(files):
    with warnings.catch_warnings():  # TorchScript is deprecated; users still have such files
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(nn.Sequential(nn.Flatten(), nn.Linear(40, 10)))
        torch.jit.save(scripted, str(files / "scripted.pt"))
    code, output = _measure(
        "--model", f"{files / 'nets.py'}:build", "--weights", str(files / "scripted.pt"),
        "--out", str(files),
    )  # fmt: skip
    line = _one_line_error(code, output)
    assert "TorchScript" in line and "--model" in line
    assert "weights_only" not in line and "trust" not in line


@pytest.mark.parametrize("device", ["meta", "cuda:7", "tpu"])
def test_devices_that_cannot_measure_are_refused(files, device):
    if device == "cuda:7" and torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    code, output = _measure(
        "--model", f"{files / 'nets.py'}:build", "--device", device, "--out", str(files)
    )
    line = _one_line_error(code, output)
    assert f"--device {device!r}" in line


@pytest.mark.parametrize("spec", ["shift:[/]:8", "scale:-1:2", "shift:[bold]x:8", "rotate:1:2:3"])
def test_user_text_is_printed_exactly(files, spec):
    code, output = _measure(
        "--model", f"{files / 'nets.py'}:build", "--transform", spec, "--out", str(files)
    )
    line = _one_line_error(code, output)
    assert spec in line  # neither markup nor an emoji code swallowed it
