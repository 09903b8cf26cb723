"""The results database: WAL, one committed row per run, failed runs retried with their errors
kept, corrupted/foreign files refused untouched, concurrent writers never corrupt it."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import invlab.study.runs as execute_module
from _paths import SRC
from invlab.study import (
    ResultStore,
    RunConfig,
    RunMetrics,
    StoreError,
    StudySpec,
    parse_spec,
    run_study,
)
from invlab.study.store.schema import SCHEMA_VERSION

VERSIONS = {"invlab": "test"}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny_spec(widths=(8, 16)) -> StudySpec:
    """Two one-epoch MLP runs on 200 measured inputs (well under a second each)."""
    return parse_spec(
        {
            "name": "tiny",
            "datasets": ["mnist1d"],
            "training": {"epochs": 1, "lr": 0.01},
            "measure": {"transforms": ["shift:-4:4"], "inputs": 200, "steps": 5},
            "models": [{"name": "mlp", "grid": {"width": list(widths), "depth": 1}}],
        }
    )


def config(width: int) -> RunConfig:
    return RunConfig(dataset="mnist1d", model="mlp", size={"width": width, "depth": 1})


def metrics(**values) -> RunMetrics:
    """A run's metrics record, every field filled in (``values`` override)."""
    base = dict(params=10, train_accuracy=0.5, test_accuracy=0.5, transformed_accuracy=0.4)
    base.update(consistency=0.9, probe_layer="hidden1", goodfellow=20.0, sensitivity=0.3)
    base.update(train_seconds=1.0, measure_seconds=0.5, final_loss=1.2)
    return RunMetrics(**{**base, **values})


def test_new_database_is_wal_marked_and_versioned(tmp_path):
    db = tmp_path / "r.db"
    with ResultStore(db) as store:
        store.save("s", config(8), metrics=metrics(), layers=[], curve=[], seconds=1.5)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x494E564C
    seed, versions = con.execute("SELECT seed, versions FROM runs").fetchone()
    assert seed == 0 and {"invlab", "torch", "numpy", "python"} <= set(json.loads(versions))
    con.close()


def test_study_stores_metrics_layers_curve_and_skips_done_runs(tmp_path):
    db = tmp_path / "r.db"
    spec = tiny_spec()
    assert run_study(spec, db) == (2, 0)
    with ResultStore(db) as store:
        runs = store.runs()
        assert sorted(runs.key) == sorted(r.key() for r in spec.runs)
        assert (runs.status == "done").all() and (runs.attempts == 1).all()
        assert runs.test_accuracy.between(0, 1).all() and (runs.params > 0).all()
        curves = store.curves()
        assert sorted(curves.param.unique()) == [-4.0, -2.0, 0.0, 2.0, 4.0]
        layers = store.layers()
        assert set(layers.metric) == {"goodfellow", "sensitivity", "dead_units", "dead_fraction"}
        # dead ReLUs are counted where there are ReLUs: the one hidden layer
        assert set(layers[layers.metric == "dead_units"].layer) == {"hidden1"}
        finished = dict(zip(runs.key, runs.finished))
    assert run_study(spec, db) == (0, 2)
    with ResultStore(db) as store:
        assert dict(zip(store.runs().key, store.runs().finished)) == finished


def test_failed_run_is_stored_retried_and_its_error_kept(tmp_path, monkeypatch):
    db = tmp_path / "r.db"
    spec = tiny_spec()
    real = execute_module.execute_run

    def flaky(cfg, *args, **kwargs):
        if cfg.size["width"] == 16:
            raise FloatingPointError("loss became NaN")
        return real(cfg, *args, **kwargs)

    monkeypatch.setattr(execute_module, "execute_run", flaky)
    events = []
    assert run_study(spec, db, progress=lambda e, c, i: events.append(e)) == (1, 0)
    assert events.count("failed") == 1
    with ResultStore(db) as store:
        assert store.counts() == {"done": 1, "failed": 1}
        failed = store.runs().set_index("status").loc["failed"]
        assert "FloatingPointError: loss became NaN" in failed.error

    monkeypatch.setattr(execute_module, "execute_run", real)
    assert run_study(spec, db) == (1, 1)  # the failed run is retried, the done one skipped
    with ResultStore(db) as store:
        runs = store.runs()
        assert store.counts() == {"done": 2}
        assert runs.set_index("label").attempts.to_dict() == {
            "mlp(width=8,depth=1)": 1,
            "mlp(width=16,depth=1)": 2,
        }
        failures = store.failures()
        assert len(failures) == 1 and "loss became NaN" in failures.error[0]


def test_a_failure_never_replaces_a_finished_run(tmp_path):
    with ResultStore(tmp_path / "r.db") as store:
        assert store.save("s", config(8), metrics=metrics(test_accuracy=0.75), versions=VERSIONS)
        assert not store.save("s", config(8), error="Traceback: boom", versions=VERSIONS)
        run = store.runs().iloc[0]
        assert run.status == "done" and run.test_accuracy == 0.75
        assert len(store.failures()) == 1


def test_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    content = b"these are my notes, not a database\n" * 50
    path.write_bytes(content)
    with pytest.raises(StoreError, match=r"is not a SQLite database .* left untouched"):
        ResultStore(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_corrupted_database_is_refused_untouched(tmp_path):
    path = tmp_path / "r.db"
    with ResultStore(path) as store:
        for width in range(8, 200):
            big = metrics(probe_layer="y" * 500)
            store.save("s", config(width), metrics=big, versions=VERSIONS)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)  # overwrite a few pages after the header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"corrupted|not a usable SQLite database"):
        ResultStore(path)
    assert path.read_bytes() == bytes(data)


def test_foreign_database_is_refused_untouched(tmp_path):
    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users (name) VALUES ('ada')")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"another application .*\['users'\].* untouched"):
        ResultStore(path)
    assert path.read_bytes() == before
    with pytest.raises(StoreError, match="does not exist"):
        ResultStore(tmp_path / "absent.db", create=False)


# The databases earlier versions wrote, statement by statement as their code did.
V1_RUNS = (
    "CREATE TABLE runs (key TEXT PRIMARY KEY, study TEXT NOT NULL, label TEXT NOT NULL, "
    "config TEXT NOT NULL, status TEXT NOT NULL, metrics TEXT, layers TEXT, error TEXT, "
    "seconds REAL, finished REAL)"
)
V2_ADDED = [
    "ALTER TABLE runs ADD COLUMN seed INTEGER",
    "ALTER TABLE runs ADD COLUMN curve TEXT",
    "ALTER TABLE runs ADD COLUMN versions TEXT",
    "ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE runs ADD COLUMN started REAL",
    "ALTER TABLE runs ADD COLUMN worker TEXT",
    "CREATE TABLE IF NOT EXISTS failures (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT "
    "NULL, study TEXT NOT NULL, label TEXT NOT NULL, error TEXT NOT NULL, seconds REAL, "
    "finished REAL NOT NULL, versions TEXT)",
    f"PRAGMA application_id = {0x494E564C}",
    "PRAGMA user_version = 2",
]
OLD_METRICS = {  # as version 1 and 2 stored them: the transformed accuracy named "shifted"
    "params": 1642,
    "train_accuracy": 0.3,
    "test_accuracy": 0.271,
    "shifted_accuracy": 0.225,
    "consistency": 0.444,
    "probe_layer": "hidden1",
    "goodfellow": 49.3,
    "sensitivity": 0.37,
    "train_seconds": 2.5,
    "measure_seconds": 0.5,
    "final_loss": 1.9,
}


def old_database(path: Path, version: int) -> list[RunConfig]:
    """A results file as invlab ``version`` wrote it: a done run, a failed run (version 2:
    with its failure row and per-run columns)."""
    done, failed = config(8), config(16)
    con = sqlite3.connect(path)
    con.execute(V1_RUNS)
    if version == 2:
        for statement in V2_ADDED:
            con.execute(statement)
    for cfg, status, metrics_json, error in (
        (done, "done", json.dumps(OLD_METRICS), None),
        (failed, "failed", None, "Traceback ...\nValueError: boom"),
    ):
        values = [cfg.key(), "old", cfg.label(), json.dumps(cfg.as_dict(), sort_keys=True)]
        values += [status, metrics_json, "[]", error, 1.5, 1000.0]
        if version == 2:
            values += [cfg.seed, "[]", "{}", 2, 998.0, "host:1"]
        con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(values))})", values)
    if version == 2:
        con.execute(
            "INSERT INTO failures (key, study, label, error, seconds, finished, versions) "
            "VALUES (?, 'old', ?, 'ValueError: boom', 1.0, 999.0, '{}')",
            (failed.key(), failed.label()),
        )
    con.commit()
    con.close()
    return [done, failed]


def schema(path: Path) -> dict:
    """Every table's columns (name, type, not null, default, primary key) and the version."""
    con = sqlite3.connect(path)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    out = {t: con.execute(f"PRAGMA table_info({t})").fetchall() for t in sorted(tables)}
    out["version"] = con.execute("PRAGMA user_version").fetchone()[0]
    out["application_id"] = con.execute("PRAGMA application_id").fetchone()[0]
    con.close()
    return out


@pytest.mark.parametrize("version", [1, 2])
def test_old_database_is_migrated_with_every_row_and_resumes(tmp_path, version):
    path = tmp_path / "old.db"
    done, failed = old_database(path, version)
    with ResultStore(path) as store:
        assert store.done_keys() == {done.key()}
        runs = store.runs().set_index("key")
        assert len(runs) == 2
        old = runs.loc[done.key()]
        # the metrics survive, the renamed one under its new name, every value unchanged
        expected = {
            ("transformed_accuracy" if k == "shifted_accuracy" else k): v
            for k, v in OLD_METRICS.items()
        }
        assert {k: old[k] for k in expected} == expected
        assert (old.study, old.label, old.seconds, old.finished) == ("old", done.label(), 1.5, 1e3)
        assert runs.loc[failed.key()].status == "failed"
        assert "ValueError: boom" in runs.loc[failed.key()].error
        assert old.attempts == (2 if version == 2 else 1)
        assert len(store.failures()) == (1 if version == 2 else 0)
        # and the migrated file takes new runs like a new one
        assert store.save("new", config(32), metrics=metrics(), versions=VERSIONS)
    con = sqlite3.connect(path)
    assert con.execute("SELECT seed FROM runs").fetchall() == [(0,), (0,), (0,)]
    con.close()
    fresh = tmp_path / "fresh.db"
    ResultStore(fresh).close()
    assert schema(path) == schema(fresh)
    assert schema(fresh)["version"] == SCHEMA_VERSION


def test_database_of_a_newer_invlab_is_refused(tmp_path):
    path = tmp_path / "future.db"
    ResultStore(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer invlab"):
        ResultStore(path)


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    from invlab.study.spec.run_config import RunConfig
    from invlab.study.store.records import RunMetrics
    from invlab.study.store import ResultStore
    def metrics(who, i):
        return RunMetrics(i, 0, 0, 0, 0, who, 0, 0, 0, 0, 0)
    who = sys.argv[1]
    with ResultStore(sys.argv[2]) as store:
        for i in range(90):
            cfg = RunConfig(dataset="mnist1d", model="mlp", size={{"width": i, "depth": 1}})
            shared = i % 3 == 0  # both writers save these keys; one of them as a failure
            if shared and who == "b":
                store.save("race", cfg, error="Traceback: b failed", versions={{}})
            else:
                cfg = cfg if shared else RunConfig(**{{**cfg.__dict__, "seed": ord(who)}})
                store.save("race", cfg, metrics=metrics(who, i), versions={{}})
    """
)


def test_two_writers_at_once_do_not_corrupt_the_database(tmp_path):
    db = tmp_path / "shared.db"
    ResultStore(db).close()
    script = WRITER.format(src=str(SRC))
    procs = [
        subprocess.Popen([sys.executable, "-c", script, who, str(db)], stderr=subprocess.PIPE)
        for who in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with ResultStore(db) as store:
        runs = store.runs()
        assert runs.key.is_unique
        assert len(runs) == 30 + 2 * 60  # shared keys once, each writer's own keys once
        shared = runs[runs.seed == 0]
        # whichever came first, "a"'s finished run wins over "b"'s failure
        assert len(shared) == 30 and (shared.status == "done").all()
        assert (shared.probe_layer == "a").all()
        assert (runs[runs.seed != 0].status == "done").all()


def test_schema_3_runs_are_brought_to_one_estimand(tmp_path):
    """Version 4: the grid beside the values; sensitivity at the read-out's input; the kernel
    runs' one-random-shift values kept as extras, not under the grid estimand's name."""
    path = tmp_path / "v3.db"
    train = RunConfig(dataset="mnist1d", model="mlp", size={"width": 8})
    wrapper = RunConfig(dataset="mnist1d", model="symmetric", size={"width": 8})
    kernel = RunConfig(dataset="mnist1d", model="mlp", kind="kernel", size={"depth": 1})
    staged_rows = [
        {"layer": name, "metric": metric, "value": value}
        for name, value in (("input", 0.9), ("hidden1", 0.37), ("logits", 0.5))
        for metric in ("goodfellow", "sensitivity")
    ]
    wrapper_rows = [{"layer": "logits", "metric": "sensitivity", "value": 0.2}]
    with ResultStore(path) as store:
        for cfg, rows in ((train, staged_rows), (wrapper, wrapper_rows), (kernel, [])):
            store.save("s", cfg, metrics=metrics(), layers=rows, versions=VERSIONS)
    con = sqlite3.connect(path)
    for key, blob in con.execute("SELECT key, metrics FROM runs").fetchall():
        old = json.loads(blob)
        del old["grid"]
        if key == wrapper.key():  # version 3 read a wrapper's value at its logits
            old.update(probe_layer="logits", sensitivity=0.2)
        con.execute("UPDATE runs SET metrics = ? WHERE key = ?", (json.dumps(old), key))
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    with ResultStore(path) as store:
        runs = store.runs().set_index("key")
        layers = store.layers()
    assert runs.loc[train.key()].grid == "shift:-10:10 × 9"
    assert runs.loc[train.key()].probe_layer == "hidden1"
    assert runs.loc[train.key()].sensitivity == 0.3  # its probe was the read-out's input: kept
    assert runs.loc[wrapper.key()].probe_layer == ""
    assert math.isnan(runs.loc[wrapper.key()].sensitivity)
    assert math.isnan(runs.loc[kernel.key()].consistency) and runs.loc[kernel.key()].grid == ""
    kept = layers[(layers.key == kernel.key()) & (layers.layer == "one random shift (schema 3)")]
    assert dict(zip(kept.metric, kept.value))["consistency"] == metrics().consistency
