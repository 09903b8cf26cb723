"""The shipped 2D studies (rotation, scale, deformation) and the spec features they use."""

from __future__ import annotations

import pytest

from invlab.study.spec import SpecError, parse_spec
from invlab.study.spec.builtin import load_builtin


@pytest.mark.parametrize("name", ["rotation", "scale", "deformation"])
def test_the_2d_studies_load_with_three_seeds(name):
    spec = load_builtin(name)
    assert sorted({r.seed for r in spec.runs}) == [0, 1, 2]
    assert all(r.dataset in ("digits_padded", "glyph_digits16") for r in spec.runs)


def _spec(models, regimes=None):
    data = {"name": "t", "datasets": ["digits_padded"], "models": models}
    if regimes:
        data["regimes"] = regimes
    return parse_spec(data)


def test_a_model_entry_may_bring_its_own_augmentation_and_a_regime_overrides_it():
    spec = _spec(
        [
            {"name": "cnn_maxpool", "grid": {"channels": 4}},
            {"name": "cnn_maxpool", "grid": {"channels": 4}, "augment": "rotate:0:360"},
        ]
    )
    assert [r.augment for r in spec.runs] == [None, "rotate:0:360"]
    spec = _spec(
        [{"name": "cnn_maxpool", "augment": "rotate:0:360"}],
        regimes=[{"name": "plain"}, {"name": "zoom", "augment": "scale:0.8:1.2"}],
    )
    assert [r.augment for r in spec.runs] == ["rotate:0:360", "scale:0.8:1.2"]
    with pytest.raises(SpecError, match=r"models\[0\].augment: unknown transform 'turn'"):
        _spec([{"name": "cnn_maxpool", "augment": "turn:0:360"}])


def test_a_wrapper_takes_the_size_arguments_of_its_base_model():
    spec = _spec([{"name": "symmetric", "grid": {"base": "cnn_maxpool", "channels": 8}}])
    assert spec.runs[0].size == {"base": "cnn_maxpool", "channels": 8}
    # The default base is 'cnn', which has no 'pool'; cnn_maxpool has no 'width'.
    with pytest.raises(SpecError, match="model 'symmetric' has no size argument 'width'"):
        _spec([{"name": "symmetric", "grid": {"base": "cnn_maxpool", "width": 8}}])
    with pytest.raises(SpecError, match="no size argument 'pool'"):
        _spec([{"name": "symmetric", "grid": {"pool": True}}])


def test_runs_that_do_not_fit_their_dataset_are_refused_before_any_training(tmp_path):
    from typer.testing import CliRunner

    from invlab.cli import app
    from invlab.study.execution.preflight import RunMisfitError, check_runs_fit
    from invlab.study.spec.run_config import RunConfig

    rotate_signals = RunConfig(dataset="mnist1d", model="mlp", transform="rotate:0:360")
    gcnn_signals = RunConfig(dataset="mnist1d", model="gcnn")
    augment_signals = RunConfig(dataset="mnist1d", model="mlp", augment="scale:0.8:1.2")
    with pytest.raises(RunMisfitError) as info:
        check_runs_fit([rotate_signals, gcnn_signals, augment_signals])
    message = str(info.value)
    assert "3 problem(s) before any training" in message
    assert "transform 'rotate:0:360' does not fit dataset 'mnist1d'" in message
    assert "model gcnn() does not fit dataset 'mnist1d'" in message and "(C, H, W)" in message
    assert "augment 'scale:0.8:1.2'" in message
    check_runs_fit([RunConfig(dataset="digits_padded", model="gcnn", transform="rotate:0:90")])

    spec = tmp_path / "misfit.toml"
    spec.write_text(
        'name = "misfit"\ndatasets = ["mnist1d"]\n[measure]\ntransforms = ["rotate:0:360"]\n'
        '[[models]]\nname = "mlp"\n'
    )
    result = CliRunner().invoke(app, ["study", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "does not fit dataset 'mnist1d'" in " ".join(result.output.split())
    assert not (tmp_path / "out" / "results.db").exists()
