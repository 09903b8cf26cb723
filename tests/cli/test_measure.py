"""``invlab measure`` end to end, safe model loading and the text specs it parses."""

import textwrap
import warnings

import pandas as pd
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from invlab import transforms
from invlab.cli import app
from invlab.data.spec import parse_data
from invlab.models.loading import load_model
from invlab.transforms import Compose, Shift
from invlab.transforms.spec import parse_transform

MODEL_SOURCE = textwrap.dedent(
    """
    from torch import nn

    def build():
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, padding_mode="circular"),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(4, 10),
        )
    """
)


def invoke(*args: str):
    return CliRunner().invoke(app, ["measure", *args])


@pytest.fixture
def model_files(tmp_path):
    source = tmp_path / "net.py"
    source.write_text(MODEL_SOURCE)
    torch.manual_seed(0)
    model = load_model(f"{source}:build")
    with torch.no_grad():
        model[-1].bias.fill_(0.25)  # a recognisable weight, to check the checkpoint is used
    ckpt = tmp_path / "net.pt"
    torch.save({"state_dict": model.state_dict(), "epoch": 3}, ckpt)
    return source, ckpt, model


class Evil:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))

    def forward(self, x):
        return self.head(x)


def test_end_to_end_on_a_model_file_and_checkpoint(model_files, tmp_path):
    source, ckpt, _ = model_files
    out = tmp_path / "out"
    result = invoke(
        "--model", f"{source}:build", "--weights", str(ckpt), "--data", "digits",
        "--transform", "shift:-2:2", "--steps", "5", "--limit", "200", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "invariance profile" in result.output
    df = pd.read_csv(out / "profile.csv")
    assert list(df.columns) == ["model", "layer", "metric", "param", "value"]
    sens = df[(df.metric == "sensitivity") & (df.param == "mean")].set_index("layer").value
    assert sens["2"] < 1e-10  # global average pooling of circular convolutions: invariant
    assert sens["input"] > 0.5
    eq = df[(df.metric == "equivariance") & (df.param == "mean")].set_index("layer").value
    assert eq["0"] < 1e-6  # the circular convolution commutes with 2D shifts
    assert len(df[(df.metric == "sensitivity") & (df.layer == "0")]) == 25 + 1  # 5×5 grid
    assert df.query("metric == 'consistency'").value.item() == pytest.approx(1.0)
    for name in ("layers_goodfellow", "layers_sensitivity", "map_sensitivity", "map_accuracy"):
        assert (out / f"{name}.png").stat().st_size > 1000


def test_checkpoint_weights_are_loaded(model_files):
    source, ckpt, _ = model_files
    loaded = load_model(f"{source}:build", ckpt)
    assert torch.equal(loaded[-1].bias, torch.full((10,), 0.25))
    assert not loaded.training


def test_torchscript_model_measures_input_and_output(tmp_path):
    path = tmp_path / "scripted.pt"
    with warnings.catch_warnings():  # TorchScript is deprecated upstream, still in use
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(TinyNet()).save(str(path))
    out = tmp_path / "out"
    result = invoke(
        "--model", str(path), "--data", "digits", "--transform", "shift:-1:1", "--steps", "3",
        "--limit", "150", "--out", str(out), "--no-plots",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out / "profile.csv")
    assert set(df.layer) == {"input", "output"}


def test_malicious_pickle_as_weights_is_not_executed(model_files, tmp_path):
    source, _, _ = model_files
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"state_dict": Evil(marker)}, evil)
    result = invoke("--model", f"{source}:build", "--weights", str(evil), "--data", "digits")
    assert result.exit_code == 2
    assert "--trust-pickle" in result.output and "exec" in result.output
    assert not marker.exists()


def test_malicious_pickle_as_model_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil_model.pt"
    torch.save(Evil(marker), evil)
    with pytest.raises(ValueError, match="trust_pickle=True"):
        load_model(evil)
    result = invoke("--model", str(evil), "--data", "digits")
    assert result.exit_code == 2
    assert not marker.exists()


def test_pickled_whole_model_needs_the_trust_flag(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(TinyNet(), path)
    with pytest.raises(ValueError, match="pickled object"):
        load_model(path)
    model = load_model(path, trust_pickle=True)
    assert isinstance(model, TinyNet)


def test_a_state_dict_alone_is_not_a_model(model_files):
    _, ckpt, _ = model_files
    with pytest.raises(ValueError, match="holds weights, not a model"):
        load_model(ckpt)


def test_checkpoint_that_does_not_fit(model_files, tmp_path):
    source, _, _ = model_files
    other = tmp_path / "other.pt"
    torch.save(nn.Linear(3, 3).state_dict(), other)
    with pytest.raises(ValueError, match="does not fit the model: missing keys"):
        load_model(f"{source}:build", other)


def test_cli_errors_name_the_problem(model_files, tmp_path):
    source, _, _ = model_files
    result = invoke(
        "--model", f"{source}:build", "--data", "digits", "--layers", "conv9",
        "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'conv9' is not in the model; available: input, 0, 1, 2" in result.output
    result = invoke("--model", f"{source}:nothing", "--data", "digits")
    assert result.exit_code == 2 and "has no callable 'nothing'" in result.output
    result = invoke("--model", f"{source}:build", "--data", "mnist9")
    assert result.exit_code == 2 and "unknown data 'mnist9'" in result.output


def test_parse_transform():
    t = parse_transform("shift:-8:8", 1)
    assert (t.low, t.high, t.spatial_dims, t.mode) == (-8, 8, 1, "circular")
    assert parse_transform("shift:0:3:zeros", 2).mode == "zeros"
    assert repr(parse_transform("shift:4")) == repr(Shift(4))  # the symmetric short form
    both = parse_transform("shift:-1:1+shift:0:2", 1)
    assert isinstance(both, Compose) and [p.high for p in both.transforms] == [1, 2]
    for bad, message in [
        ("shear:0:1", "unknown transform 'shear'"),
        ("shift:-8:0:1:2", "shift needs shift:low:high"),
        ("shift:a:b", "must be integers"),
        ("", "empty"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_transform(bad, 1)
    with pytest.raises(ValueError, match="spatial_dims must be 1"):
        parse_transform("shift:-1:1", 3)


@pytest.mark.parametrize("spec, name", [("rotate:-45:45", "Rotate"), ("scale:0.7:1.4", "Scale")])
def test_parse_rotate_and_scale(spec, name):
    if not hasattr(transforms, name):
        with pytest.raises(ValueError, match=f"needs invlab.transforms.{name}"):
            parse_transform(spec, 2)
        return
    t = parse_transform(spec, 2)
    assert isinstance(t, getattr(transforms, name))
    assert (t.low, t.high) == tuple(float(v) for v in spec.split(":")[1:])
    with pytest.raises(ValueError, match="acts on images"):
        parse_transform(spec, 1)


def test_parse_data_files(tmp_path):
    import numpy as np

    from invlab.data.files import write_idx

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (30, 8, 8), dtype=np.uint8)
    y = rng.integers(0, 10, 30).astype(np.uint8)
    # images with their channel axis: rank 3 would be read as (N, C, L) signals
    x4 = x[:, None]
    np.savez(tmp_path / "d.npz", x_train=x4, y_train=y, x_test=x4[:10], y_test=y[:10])
    ds = parse_data(f"npz:{tmp_path / 'd.npz'}")
    assert ds.x_test.shape == (10, 1, 8, 8)
    assert torch.allclose(ds.x_test[3, 0], torch.from_numpy(x[3] / 255).float())
    idx_files = {
        "train-images-idx3-ubyte": x,
        "train-labels-idx1-ubyte": y,
        "t10k-images-idx3-ubyte": x[:10],
        "t10k-labels-idx1-ubyte": y[:10],
    }
    for name, arr in idx_files.items():
        write_idx(tmp_path / name, arr)
    ds = parse_data(f"idx:{tmp_path}")
    assert ds.y_test.tolist() == y[:10].tolist()


def test_parse_data():
    assert parse_data("digits").in_shape == (1, 8, 8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        parse_data("npz:/nonexistent/file.npz")
    with pytest.raises(ValueError, match="unknown data kind 'csv'"):
        parse_data("csv:x.csv")


def test_shift_spec_matches_the_class():
    assert repr(parse_transform("shift:-3:3", 2)) == repr(Shift(3, dims=2))


TUPLE_SOURCE = textwrap.dedent(
    """
    from torch import nn

    class WithExtras(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))

        def forward(self, x):
            return self.head(x), x

    def build():
        return WithExtras()
    """
)


def test_a_tuple_output_factory_gets_accuracy_and_the_factory_named(tmp_path):
    source = tmp_path / "extras.py"
    source.write_text(TUPLE_SOURCE)
    out = tmp_path / "o"
    result = invoke(
        "--model", f"{source}:build", "--data", "digits", "--transform", "shift:-1:1",
        "--steps", "3", "--limit", "200", "--no-plots", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out / "profile.csv")
    assert {"accuracy", "consistency"} <= set(df.metric)
    assert set(df.model) == {"build"}  # the factory, not the file


def one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in text, text


def test_cli_boundaries_are_one_line_naming_the_flag(model_files, tmp_path):
    source, _, _ = model_files
    common = ["--data", "digits", "--transform", "shift:-1:1", "--limit", "200", "--no-plots"]
    good = ["--model", f"{source}:build", *common]
    (tmp_path / "a_file").write_text("x")
    one_line_error(invoke(*good, "--out", str(tmp_path / "a_file")), "--out", "existing file")
    one_line_error(
        invoke(*good, "--out", str(tmp_path / "a_file" / "sub")), "--out", "cannot write there"
    )
    one_line_error(invoke(*good, "--device", "banana"), "--device 'banana' is not a device")
    if not torch.cuda.is_available():
        one_line_error(invoke(*good, "--device", "cuda"), "--device 'cuda'", "no CUDA")
    one_line_error(invoke(*good, "--steps", "1"), "holds only the identity")
    one_line_error(
        invoke("--model", f"{source}:build", "--data", "mnist1d", "--limit", "200"),
        "the model fails on data of shape (1, 40)",
    )
    one_line_error(invoke("--model", str(source), *common), "is a Python file", "FILE.py:FACTORY")
    noise = tmp_path / "noise.pt"
    noise.write_bytes(bytes(range(256)) * 8)
    for args in (["--model", str(noise)], [*good[:2], "--weights", str(noise)]):
        result = invoke(*args, *common, "--out", str(tmp_path / "o"))
        one_line_error(result, "not a file written by torch.save")
        assert "trust" not in result.output


def test_summary_table_keeps_layer_names_at_80_columns():
    from rich.console import Console

    from invlab.cli.measure_cmd import summary_table

    name = "classifier.head.linear"
    metrics = ["goodfellow", "sensitivity", "equivariance", "consistency", "accuracy"]
    df = pd.DataFrame(
        [{"model": "m", "layer": name, "metric": m, "param": None, "value": 0.5} for m in metrics]
    )
    console = Console(width=80, record=True)
    console.print(summary_table(df))
    assert name in console.export_text()
