"""The shipped MNIST-1D studies: each loads, runs 3 seeds, names the models its question needs."""

import pytest

from invlab.study.spec.builtin import builtin_study

STUDIES = {"mnist1d-baselines": 15, "depth": 48, "pooling": 39, "size-vs-invariance-full": 132}


@pytest.mark.parametrize(("name", "runs"), sorted(STUDIES.items()))
def test_study_loads_with_three_seeds(name, runs):
    spec = builtin_study(name)
    assert len(spec.runs) == runs
    assert sorted({r.seed for r in spec.runs}) == [0, 1, 2]


def test_baselines_train_with_the_papers_protocol():
    runs = {r.model: r for r in builtin_study("mnist1d-baselines").runs if r.seed == 0}
    for model in ("linear", "mlp", "cnn_strided"):
        r = runs[model]
        assert (r.epochs, r.batch_size, r.lr, r.schedule) == (150, 100, 1e-2, "constant")
    # The best model and its control train alike: they differ only in the front end.
    assert runs["cnn"].size == runs["detrend_cnn"].size
    assert (runs["cnn"].epochs, runs["cnn"].lr) == (runs["detrend_cnn"].epochs, 3e-3)


def test_depth_and_pooling_sweep_what_they_say():
    depth = builtin_study("depth").runs
    for model in ("mlp", "cnn"):
        assert sorted({r.size["depth"] for r in depth if r.model == model}) == list(range(1, 9))
    pooling = builtin_study("pooling").runs
    ps = {r.size.get("p") for r in pooling if r.model == "cnn_lp" and "p" in r.size}
    assert ps == {1.0, 2.0, 4.0, 8.0, float("inf")}
    sizes = {r.size["filter_size"] for r in pooling if r.model == "cnn_blur"}
    assert sizes == set(range(1, 8))
