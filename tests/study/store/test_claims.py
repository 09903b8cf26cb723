"""Runs are claimed before they start (#19 §6), so that processes sharing one results database
split a study: a live claim is respected, a stale one (no heartbeat for stale_after seconds, or
a dead local pid) is taken over, a done run is never claimed, and two concurrent `invlab study`
processes on one --out execute every run exactly once."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _paths import SRC
from invlab.study import ResultStore, load_spec, run_study
from invlab.study.execution import runner as runner_module
from invlab.study.store.claims import Claims

SPEC = """
name = "shared"
datasets = ["mnist1d"]
[training]
epochs = 1
lr = 0.01
[measure]
transforms = ["shift:-4:4"]
inputs = 100
steps = 3
metrics = ["sensitivity", "accuracy"]
[[models]]
name = "mlp"
grid = { width = [8, 12, 16, 20, 24, 28], depth = 1 }
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "shared.toml"
    path.write_text(SPEC)
    return load_spec(path)


def _db(tmp_path) -> Path:
    with ResultStore(tmp_path / "results.db"):
        pass
    return tmp_path / "results.db"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_claim_is_respected_and_released(tmp_path):
    db = _db(tmp_path)
    with Claims(db) as first, Claims(db) as second:
        assert first.acquire("k1") == "claimed"
        assert second.acquire("k1") == "busy"  # same host, live pid, fresh heartbeat
        assert second.acquire("k2") == "claimed"
        first.release("k1")
        assert second.acquire("k1") == "claimed"
        assert first.acquire("k1") == "busy"


def test_a_stale_heartbeat_or_a_dead_pid_is_taken_over(tmp_path):
    db = _db(tmp_path)
    with Claims(db, stale_after=30, heartbeat=1) as claims:
        now = time.time()
        rows = [
            ("old", "elsewhere", 1, "t1", now - 31, now - 31),  # silent for 31 s > 30 s
            ("fresh", "elsewhere", 1, "t2", now, now),  # another host, beating
            ("dead", claims.host, _dead_pid(), "t3", now, now),  # this host, pid gone
        ]
        claims._db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)", rows)
        assert claims.acquire("old") == "claimed"
        assert claims.acquire("fresh") == "busy"
        assert claims.acquire("dead") == "claimed"


def test_heartbeats_keep_a_long_run_claimed(tmp_path):
    db = _db(tmp_path)
    timing = {"stale_after": 0.6, "heartbeat": 0.1}
    with Claims(db, **timing) as holder, Claims(db, **timing) as other:
        with holder.beating():
            holder.acquire("long")
            other._db.execute("UPDATE claims SET host = 'elsewhere'")  # no pid shortcut
            time.sleep(1.0)  # longer than stale_after: only the heartbeats keep it
            assert other.acquire("long") == "busy"
        time.sleep(0.8)  # the holder stopped beating
        assert other.acquire("long") == "claimed"


def test_a_done_run_is_never_claimed(tmp_path, spec):
    db = tmp_path / "results.db"
    run_study(spec, db)
    with Claims(db) as claims:
        assert {claims.acquire(r.key()) for r in spec.runs} == {"done"}


def test_the_runner_waits_for_a_live_claim_and_takes_over_a_stale_one(tmp_path, spec, monkeypatch):
    db = _db(tmp_path)
    keys = [r.key() for r in spec.runs]
    monkeypatch.setattr(
        runner_module, "Claims", functools.partial(Claims, stale_after=1.0, heartbeat=0.2)
    )
    now = time.time()
    with Claims(db) as other:
        other._db.executemany(
            "INSERT INTO claims VALUES (?, 'elsewhere', 1, 'gone', ?, ?)",
            [(keys[0], now, now), (keys[1], now - 60, now - 60)],
        )
    events = []
    executed, skipped = run_study(spec, db, progress=lambda e, c, _: events.append((e, c.key())))
    assert (executed, skipped) == (len(keys), 0)
    started = [key for event, key in events if event == "start"]
    assert sorted(started) == sorted(keys)  # each once
    assert started[-1] == keys[0]  # the live claim was waited for until it went stale
    with Claims(db) as claims:
        assert claims._db.execute("SELECT COUNT(*) FROM claims").fetchone() == (0,)


def test_two_study_processes_on_one_out_run_every_run_exactly_once(tmp_path, spec):
    spec_file = tmp_path / "shared.toml"
    out = tmp_path / "out"
    command = [sys.executable, "-m", "invlab", "study", str(spec_file), "--out", str(out)]
    command += ["--quiet", "--no-report"]
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    executed = [
        int(re.search(r"(\d+) run\(s\) executed", o.replace("\n", " ")).group(1)) for o in outputs
    ]
    assert sum(executed) == len(spec.runs), outputs  # no run computed twice, none lost
    with ResultStore(out / "results.db", readonly=True) as store:
        runs = store.runs()
        assert sorted(runs.key) == sorted(r.key() for r in spec.runs)
        assert set(runs.status) == {"done"}
