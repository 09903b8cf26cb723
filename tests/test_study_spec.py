"""Study specs: TOML files validated with pydantic, the built-in studies shipped as files."""

from __future__ import annotations

import pytest

from invlab.study import (
    RunConfig,
    SpecError,
    builtin_study,
    list_builtin,
    load_spec,
    parse_spec,
    size_vs_invariance,
)

TINY = """
name = "tiny"
datasets = ["mnist1d"]
seeds = [0, 1]
[training]
epochs = 1
[measure]
transforms = ["shift:-4:4"]
inputs = 100
[[regimes]]
name = "plain"
[[regimes]]
name = "aug"
augment = "shift:4"
[[models]]
name = "mlp"
family = "mlp depth {depth}"
grid = { width = [8, 16], depth = 1 }
lr = 0.01
"""


def test_builtin_studies_ship_as_spec_files():
    builtin = list_builtin()
    assert {"size-vs-invariance", "size-vs-invariance-quick"} <= set(builtin)
    assert all(path.suffix == ".toml" and path.is_file() for path in builtin.values())


def test_default_study_is_the_leads_grid():
    spec = size_vs_invariance()
    assert len(spec.runs) == 30  # (12 MLPs + cnn + cnn_flat + fourier_mlp) x (plain, augmented)
    mlps = {(r.size["width"], r.size["depth"]) for r in spec.runs if r.model == "mlp"}
    assert mlps == {(w, d) for w in (32, 128, 512, 2048) for d in (1, 2, 3)}
    for run in spec.runs:
        assert run.dataset == "mnist1d" and run.epochs == 20 and run.transform == "shift:-10:10"
        assert run.augment in (None, "shift:-10:10")
        assert run.batch_size == (256 if run.size.get("width") == 2048 else 128)
        assert run.lr == (3e-3 if run.model.startswith("cnn") else 1e-3)
    cnn = next(r for r in spec.runs if r.model == "cnn")
    assert cnn.size == {"channels": 48, "depth": 4} and cnn.family == "cnn"
    families = {r.family for r in spec.runs if r.model == "mlp"}
    assert families == {f"mlp depth {d}" for d in (1, 2, 3)}
    # Keys written by the first release (before spec files) are unchanged: old databases resume.
    first_keys = ["0018138bec2ab60a", "ec8de66b209d44e4", "baa0ab4ec2161eea"]
    assert [r.key() for r in spec.runs[:3]] == first_keys
    assert [r.key() for r in size_vs_invariance(quick=True).runs] == [
        "c1080259be862af6",
        "51de27e58c63ac75",
        "b5518a98066e5ec1",
        "b052aeb5b0f01775",
    ]


def test_quick_variant_and_unknown_study():
    quick = builtin_study("size-vs-invariance", quick=True)
    assert quick.name == "size-vs-invariance-quick" and len(quick.runs) == 4
    with pytest.raises(SpecError, match="unknown built-in study 'nope'; allowed: size-vs"):
        builtin_study("nope")


def test_grid_is_the_cross_product(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    spec = load_spec(path)
    assert spec.name == "tiny"
    assert len(spec.runs) == 2 * 2 * 2  # widths x regimes x seeds
    first = spec.runs[0]
    assert first == RunConfig(
        dataset="mnist1d",
        model="mlp",
        size={"width": 8, "depth": 1},
        augment=None,
        transform="shift:-4:4",
        epochs=1,
        lr=0.01,
        seed=0,
        family="mlp depth 1",
        measure_inputs=100,
    )
    assert {r.augment for r in spec.runs} == {None, "shift:4"}
    assert {r.seed for r in spec.runs} == {0, 1}
    assert len({r.key() for r in spec.runs}) == 8


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"colour": "red"}, r"colour: unknown key; allowed: name, description, datasets"),
        ({"training": {"epochs": 0}}, r"training\.epochs: .*greater than or equal to 1 \(got 0\)"),
        ({"training": {"lrate": 1}}, r"training\.lrate: unknown key; allowed: epochs, batch_size"),
        ({"models": [{"name": "resnet"}]}, r"models\[0\]\.name: unknown model 'resnet'; allowed: "),
        (
            {"models": [{"name": "mlp", "grid": {"height": 3}}]},
            r"models\[0\]: grid: model 'mlp' has no size argument 'height'; allowed: width, depth",
        ),
        ({"datasets": ["imagenet"]}, r"datasets: unknown dataset 'imagenet'; allowed: .*mnist1d"),
        ({"measure": {"transforms": ["spin:3"]}}, r"measure\.transforms: .*unknown.*'spin'"),
        (
            {"measure": {"metrics": ["beauty"]}},
            r"measure\.metrics: unknown metric 'beauty'; allowed: ",
        ),
        ({"regimes": [{"name": "a", "augment": "shift:1.5:2"}]}, r"regimes\[0\]\.augment: "),
        ({"name": None}, r"name: Input should be a valid string"),
    ],
)
def test_bad_specs_name_the_location_and_what_is_allowed(edit, message):
    import tomllib

    data = tomllib.loads(TINY)
    data.update(edit)
    with pytest.raises(SpecError, match=message) as info:
        parse_spec(data, "tiny.toml")
    assert str(info.value).startswith("tiny.toml: ")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)


def test_seed_override_keeps_the_grid():
    spec = size_vs_invariance(quick=True).with_seed(3)
    assert {r.seed for r in spec.runs} == {3}
    assert [r.label() for r in spec.runs] == [r.label() for r in size_vs_invariance(True).runs]
