"""The results database: WAL, one committed row per run, failed runs retried with their errors
kept, corrupted/foreign files refused untouched, concurrent writers never corrupt it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import invlab.study.execute as execute_module
from invlab.study import ResultStore, RunConfig, StoreError, StudySpec, parse_spec, run_study

SRC = Path(__file__).resolve().parents[1] / "src"
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


def test_new_database_is_wal_marked_and_versioned(tmp_path):
    db = tmp_path / "r.db"
    with ResultStore(db) as store:
        store.save("s", config(8), metrics={"a": 1.0}, layers=[], curve=[], seconds=1.5)
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
        assert set(store.layers().metric) == {"goodfellow", "sensitivity"}
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
        assert store.save("s", config(8), metrics={"acc": 0.5}, versions=VERSIONS)
        assert not store.save("s", config(8), error="Traceback: boom", versions=VERSIONS)
        run = store.runs().iloc[0]
        assert run.status == "done" and run.acc == 0.5
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
            store.save("s", config(width), metrics={"x": "y" * 500}, versions=VERSIONS)
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


def test_first_release_database_is_migrated_and_resumes(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE runs (key TEXT PRIMARY KEY, study TEXT NOT NULL, label TEXT NOT NULL, "
        "config TEXT NOT NULL, status TEXT NOT NULL, metrics TEXT, layers TEXT, error TEXT, "
        "seconds REAL, finished REAL)"
    )
    old = config(8)
    con.execute(
        "INSERT INTO runs VALUES (?, 's', ?, ?, 'done', '{\"acc\": 0.5}', '[]', NULL, 1.0, 0)",
        (old.key(), old.label(), json.dumps(old.as_dict())),
    )
    con.commit()
    con.close()
    with ResultStore(path) as store:
        assert store.done_keys() == {old.key()}
        assert store.runs().iloc[0].attempts == 1


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {src!r})
    from invlab.study.spec import RunConfig
    from invlab.study.store import ResultStore
    who = sys.argv[1]
    with ResultStore(sys.argv[2]) as store:
        for i in range(90):
            cfg = RunConfig(dataset="mnist1d", model="mlp", size={{"width": i, "depth": 1}})
            shared = i % 3 == 0  # both writers save these keys; one of them as a failure
            if shared and who == "b":
                store.save("race", cfg, error="Traceback: b failed", versions={{}})
            else:
                cfg = cfg if shared else RunConfig(**{{**cfg.__dict__, "seed": ord(who)}})
                store.save("race", cfg, metrics={{"who": who, "i": i}}, versions={{}})
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
        assert len(shared) == 30 and (shared.status == "done").all() and (shared.who == "a").all()
        assert (runs[runs.seed != 0].status == "done").all()
