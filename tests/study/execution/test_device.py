"""``invlab study --device``: where runs compute is chosen, checked before any run, stored with
every run, and never part of a run's identity."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from _specs import tiny_toml
from invlab.cli import app
from invlab.study import ResultStore, parse_spec
from invlab.study.execution.devices import resolve_device

SPEC = tiny_toml(name="device-tiny", regimes=None)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_study_on_the_cpu_stores_the_device_with_each_run(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    args = ["study", str(spec), "--out", str(out), "-q", "--device", "cpu", "--no-report"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "device cpu" in result.output
    with ResultStore(out / "results.db") as store:
        versions = json.loads(store.runs().versions.iloc[0])
    assert versions["device"] == "cpu" and versions["device_name"].startswith("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_an_unavailable_device_is_refused_in_one_line_before_any_run(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["study", str(spec), "--out", str(out), "--device", "cuda"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--device 'cuda'" in lines[0] and "CUDA" in lines[0]
    assert not (out / "results.db").exists()


@pytest.mark.parametrize("bad", ["tpu", "meta", "", "cuda:x"])
def test_device_names_are_checked(bad):
    with pytest.raises(ValueError, match="device"):
        resolve_device(bad)


def test_auto_is_the_first_device_this_machine_has():
    if torch.cuda.is_available():
        expected = "cuda"
    elif torch.backends.mps.is_available():
        expected = "mps"
    else:
        expected = "cpu"
    assert resolve_device("auto").type == expected


def test_the_device_is_a_spec_key_and_not_part_of_a_runs_identity():
    on_cpu = parse_spec({**_spec_dict(), "device": "cpu"})
    on_gpu = parse_spec({**_spec_dict(), "device": "cuda:1"})
    assert on_gpu.device == "cuda:1" and on_cpu.device == "cpu"
    assert [r.key() for r in on_cpu.runs] == [r.key() for r in on_gpu.runs]
    with pytest.raises(ValueError, match="device"):
        parse_spec({**_spec_dict(), "device": "gpu"})


def _spec_dict() -> dict:
    return {"name": "d", "datasets": ["mnist1d"], "models": [{"name": "mlp"}]}
