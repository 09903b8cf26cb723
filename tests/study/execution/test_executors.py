"""The executors give the same results table: serial, a local process pool and a Dask
LocalCluster on localhost, for the same spec and seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

import invlab
from _specs import tiny_spec
from invlab.study import ResultStore, parse_spec, run_study
from invlab.study.execution.executors import (
    DaskExecutor,
    PoolExecutor,
    SerialExecutor,
    make_executor,
)

METRICS = ["params", "train_accuracy", "test_accuracy", "transformed_accuracy", "consistency"]
METRICS += ["goodfellow", "sensitivity", "final_loss"]
SPEC = parse_spec(
    tiny_spec(
        name="executors",
        seeds=[0, 1],
        measure={"inputs": 150},
        regimes=[{"name": "aug", "augment": "shift:4"}],
    )
)


def results(db) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Metrics per run, per-layer values and accuracy curves, indexed by run key."""
    with ResultStore(db) as store:
        runs = store.runs().set_index("key").sort_index()
        layers = store.layers().sort_values(["key", "metric", "layer"]).reset_index(drop=True)
        curves = store.curves().sort_values(["key", "param"]).reset_index(drop=True)
    assert (runs.status == "done").all() and len(runs) == len(SPEC.runs)
    return runs[METRICS], layers, curves


@pytest.fixture(scope="module")
def serial_one_thread(tmp_path_factory):
    """The serial executor at its default thread count, which every executor uses too."""
    db = tmp_path_factory.mktemp("serial1") / "r.db"
    run_study(SPEC, db)
    return results(db)


def assert_bitwise_equal(a, b) -> None:
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def test_dask_local_cluster_matches_serial(tmp_path, serial_one_thread, monkeypatch):
    # Dask's worker processes must import invlab: point them at the source tree under test.
    monkeypatch.setenv("PYTHONPATH", str(Path(invlab.__file__).parents[1]))
    db, db_remote = tmp_path / "dask.db", tmp_path / "dask-remote.db"
    with DaskExecutor(local_workers=2) as executor:
        assert len(executor.client.nthreads()) == 2
        executed, skipped = run_study(SPEC, db, executor=executor)
        # the same cluster reached by address, as with --scheduler tcp://HOST:PORT
        address = executor.client.scheduler.address
        assert address.startswith("tcp://127.0.0.1:")
        with DaskExecutor(scheduler=address) as remote:
            assert run_study(SPEC, db_remote, executor=remote) == (len(SPEC.runs), 0)
    assert (executed, skipped) == (len(SPEC.runs), 0)
    assert_bitwise_equal(results(db), serial_one_thread)
    assert_bitwise_equal(results(db_remote), serial_one_thread)
    with ResultStore(db) as store:
        assert store.runs().worker.nunique() >= 1


def test_process_pool_matches_serial(tmp_path, serial_one_thread):
    db = tmp_path / "pool.db"
    with PoolExecutor(2) as executor:
        assert run_study(SPEC, db, executor=executor) == (len(SPEC.runs), 0)
    assert_bitwise_equal(results(db), serial_one_thread)


def test_serial_and_pool_store_identical_metrics_at_the_default_threads(tmp_path):
    # the same spec through serial and a 2-process pool, nobody setting threads: every
    # stored metric equal bitwise (timings excluded), the thread count stored with each run
    serial_db, pool_db = tmp_path / "serial.db", tmp_path / "pool.db"
    before = torch.get_num_threads()
    run_study(SPEC, serial_db, executor=SerialExecutor())
    assert torch.get_num_threads() == before  # restored after each run
    with PoolExecutor(2) as executor:
        run_study(SPEC, pool_db, executor=executor)
    assert_bitwise_equal(results(serial_db), results(pool_db))
    for db in (serial_db, pool_db):
        with ResultStore(db) as store:
            versions = store.runs().versions
        assert all(json.loads(v)["torch_threads"] == str(before) for v in versions)


def test_threads_are_validated():
    with pytest.raises(ValueError, match="threads must be an int >= 1"):
        SerialExecutor(threads=0)


def test_executor_choice_is_validated():
    with pytest.raises(ValueError, match="choose one executor; got jobs and scheduler"):
        make_executor(jobs=2, scheduler="tcp://localhost:8786")
    with pytest.raises(ValueError, match="jobs must be an int >= 1, got 0"):
        PoolExecutor(0)
    with pytest.raises(ValueError, match="scheduler must be an address like 'tcp://HOST:PORT'"):
        DaskExecutor(scheduler="localhost")
    assert isinstance(make_executor(), SerialExecutor)
