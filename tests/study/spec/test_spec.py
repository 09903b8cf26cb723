"""Study specs: TOML files validated with pydantic, the built-in studies shipped as files."""

from __future__ import annotations

from dataclasses import replace

import pytest

from _specs import tiny_toml
from invlab.study import (
    RunConfig,
    SpecError,
    builtin_study,
    list_builtin,
    load_spec,
    parse_spec,
    size_vs_invariance,
)

TINY = tiny_toml(
    seeds=[0, 1],
    models=[{"name": "mlp", "family": "mlp depth {depth}", "grid": {"width": [8, 16], "depth": 1}}],
)


def test_builtin_studies_ship_as_spec_files():
    builtin = list_builtin()
    assert {"size-vs-invariance", "size-vs-invariance-quick"} <= set(builtin)
    assert all(path.suffix == ".toml" and path.is_file() for path in builtin.values())


def test_default_study_is_the_size_vs_invariance_grid():
    spec = size_vs_invariance()
    mlps = {(r.size["width"], r.size["depth"]) for r in spec.runs if r.model == "mlp"}
    grid = {(w, d) for w in (32, 128, 512) for d in (1, 2, 3)} | {(1024, 1), (1024, 2)}
    assert mlps == grid  # widths beyond 1024 are in size-vs-invariance-full (the 5-min budget)
    assert spec.seeds() == [0, 1, 2]  # every row of the default's tables has an interval
    models = {r.model for r in spec.runs}
    assert {"mlp", "cnn", "cnn_flat", "fourier_mlp"} <= models
    for model in models:  # every architecture is trained with and without augmentation
        augments = {r.augment for r in spec.runs if r.model == model}
        assert augments == {None, "shift:-10:10"}
    for run in spec.runs:
        assert run.dataset == "mnist1d" and run.transform == "shift:-10:10"
        assert run.schedule == "cosine"
        assert run.batch_size == (256 if run.size.get("width") == 1024 else 128)
    families = {r.family for r in spec.runs if r.model == "mlp"}
    assert families == {f"mlp depth {d}" for d in (1, 2, 3)}
    assert len({r.key() for r in spec.runs}) == len(spec.runs)


def test_run_keys_are_stable():
    # A run's key is its identity in every results database: it must not drift between
    # releases for the same configuration (fields added later enter only when non-default).
    run = RunConfig(dataset="mnist1d", model="mlp", size={"width": 32, "depth": 1})
    assert run.key() == RunConfig.from_dict(run.as_dict()).key()
    assert "schedule" not in run.as_dict()
    assert run.key() != replace(run, schedule="cosine").key()
    assert [r.key() for r in size_vs_invariance(quick=True).runs] == [
        "885203d30b1e35d2",
        "cf158132e6ae6fed",
        "816a6455d31c665a",
        "a7e6e6a45f03b208",
    ]


def test_quick_variant_and_unknown_study():
    quick = builtin_study("size-vs-invariance", quick=True)
    assert quick.name == "size-vs-invariance-quick" and len(quick.runs) == 4
    with pytest.raises(SpecError, match=r"unknown built-in study 'nope'; allowed: .*size-vs-inv"):
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
        steps=5,
    )
    assert {r.augment for r in spec.runs} == {None, "shift:4"}
    assert {r.seed for r in spec.runs} == {0, 1}
    assert len({r.key() for r in spec.runs}) == 8


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"colour": "red"}, r"colour: unknown key; allowed: name, description, wall_time"),
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
        ({"seeds": []}, r"seeds: the list of seeds is empty; give a list .* or a count like 3"),
        ({"seeds": [0, -1]}, r"seeds: every seed must be an integer >= 0, got \[-1\]"),
        ({"seeds": 0}, r"seeds: a seed count must be >= 1, got 0"),
        ({"seeds": [1, 1]}, r"seeds: a seed is listed twice in \[1, 1\]"),
        ({"seeds": "0,1"}, r"seeds: expected a list of seeds or a count, got '0,1'"),
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


def test_seeds_as_a_count_and_as_an_override():
    import tomllib

    data = tomllib.loads(TINY)
    data["seeds"] = 3
    spec = parse_spec(data)
    assert [r.seed for r in spec.runs[:3]] == [0, 1, 2] and len(spec.runs) == 2 * 2 * 3
    again = spec.with_seeds([5, 7])
    assert len(again.runs) == 2 * 2 * 2 and again.seeds() == [5, 7]
    assert len({r.group_key() for r in again.runs}) == 4 == len({r.key() for r in again.runs}) / 2
    with pytest.raises(ValueError, match="the list of seeds is empty"):
        spec.with_seeds([])


def test_unknown_builtin_study_suggests_the_closest():
    with pytest.raises(SpecError, match="did you mean 'size-vs-invariance'"):
        builtin_study("size-vs-invarience")


def test_seed_override_keeps_the_grid():
    spec = size_vs_invariance(quick=True).with_seed(3)
    assert {r.seed for r in spec.runs} == {3}
    assert [r.label() for r in spec.runs] == [r.label() for r in size_vs_invariance(True).runs]
