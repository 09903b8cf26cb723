"""Kill -9 the study process after some runs are stored; rerunning the same command finishes
the study with every run present exactly once and none recomputed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from _paths import SRC
from _specs import tiny_toml
from invlab.study import load_spec

SPEC = tiny_toml(
    name="kill-me",
    training={"epochs": 2},
    regimes=None,
    models=[{"name": "mlp", "grid": {"width": [8, 12, 16, 20, 24, 28, 32, 36], "depth": 1}}],
)


def _stored(db: Path) -> dict[str, tuple]:
    """key -> (status, finished, attempts), read without writing to the database."""
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return {
            k: rest for k, *rest in con.execute("SELECT key, status, finished, attempts FROM runs")
        }
    except sqlite3.OperationalError:  # the table is not created yet
        return {}
    finally:
        con.close()


def test_kill_9_then_rerun_loses_nothing_and_recomputes_nothing(tmp_path):
    spec_file = tmp_path / "kill-me.toml"
    spec_file.write_text(SPEC)
    keys = {r.key() for r in load_spec(spec_file).runs}
    out = tmp_path / "out"
    db = out / "results.db"
    command = [sys.executable, "-m", "invlab", "study", str(spec_file), "--out", str(out)]
    command += ["--quiet", "--no-report"]
    # one torch thread: two intra-op threads per tiny model crawl on a loaded shared machine
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}

    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while len(_stored(db)) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stdout.read().decode()
    before = _stored(db)
    assert 1 <= len(before) < len(keys), "the kill should land mid-study"
    assert all(status == "done" for status, _, _ in before.values())

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(keys) - len(before)} run(s) executed, {len(before)} already stored" in (
        rerun.stdout.replace("\n", " ")
    )
    after = _stored(db)
    assert set(after) == keys  # every run present (the key is the primary key: exactly once)
    for key, row in before.items():
        assert after[key] == row  # not recomputed: same finish time, one attempt
    assert all(status == "done" and attempts == 1 for status, _, attempts in after.values())
