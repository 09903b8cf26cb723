"""The results database's schema, written whole, and the steps that bring an earlier
version's file to it (applied by :class:`invlab.study.store.ResultStore` when it opens one)."""

from __future__ import annotations

import json
import sqlite3

APPLICATION_ID = 0x494E564C  # "INVL": marks the file as an invlab results database

# The whole schema. A database of an earlier version is brought to it by MIGRATIONS, in
# place and in one transaction, so that a migrated file and a new one have the same tables,
# columns (in the same order) and contents' format (tested in tests/test_study_store.py).
SCHEMA_VERSION = 3
SCHEMA = """
CREATE TABLE runs (
    key        TEXT PRIMARY KEY,     -- RunConfig.key(): the run's identity
    study      TEXT NOT NULL,
    label      TEXT NOT NULL,        -- RunConfig.label()
    config     TEXT NOT NULL,        -- JSON: RunConfig.as_dict()
    status     TEXT NOT NULL,        -- 'done' or 'failed'
    metrics    TEXT,                 -- JSON: RunMetrics.as_dict() (done runs)
    layers     TEXT,                 -- JSON: [{layer, metric, value}, ...]
    error      TEXT,                 -- traceback of the last failed attempt
    seconds    REAL,
    finished   REAL NOT NULL,        -- time.time() when stored
    seed       INTEGER NOT NULL,
    curve      TEXT,                 -- JSON: [{param, accuracy}, ...]
    versions   TEXT,                 -- JSON: library_versions() of the worker
    attempts   INTEGER NOT NULL DEFAULT 1,
    started    REAL,
    worker     TEXT
);
CREATE TABLE failures (              -- every failed attempt, kept after a later success
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL,
    study      TEXT NOT NULL,
    label      TEXT NOT NULL,
    error      TEXT NOT NULL,
    seconds    REAL,
    finished   REAL NOT NULL,
    versions   TEXT
);
"""
# The first release's runs table (version 1: application_id and user_version still 0).
V1_COLUMNS = ["key", "study", "label", "config", "status", "metrics", "layers", "error"]
V1_COLUMNS += ["seconds", "finished"]


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Version 2 added per-run seed, curve, versions, attempts, start time and worker, and the
    failures table. The seed, in the configuration already, is copied into its column."""
    for column, kind in (
        ("seed", "INTEGER"),
        ("curve", "TEXT"),
        ("versions", "TEXT"),
        ("attempts", "INTEGER NOT NULL DEFAULT 1"),
        ("started", "REAL"),
        ("worker", "TEXT"),
    ):
        db.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
    db.execute("UPDATE runs SET seed = json_extract(config, '$.seed')")
    db.execute(
        "CREATE TABLE IF NOT EXISTS failures (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "key TEXT NOT NULL, study TEXT NOT NULL, label TEXT NOT NULL, error TEXT NOT NULL, "
        "seconds REAL, finished REAL NOT NULL, versions TEXT)"
    )


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """Version 3 renamed the metric ``shifted_accuracy`` (it is the accuracy under whatever
    transformation the run measures) to ``transformed_accuracy``, and gave ``seed`` and
    ``finished`` the NOT NULL they always held, by rebuilding the runs table."""
    rows = db.execute("SELECT key, metrics FROM runs WHERE metrics IS NOT NULL").fetchall()
    for key, blob in rows:
        metrics = json.loads(blob)
        if "shifted_accuracy" in metrics:
            renamed = {
                ("transformed_accuracy" if k == "shifted_accuracy" else k): v
                for k, v in metrics.items()
            }
            db.execute("UPDATE runs SET metrics = ? WHERE key = ?", (json.dumps(renamed), key))
    db.execute("UPDATE runs SET seed = json_extract(config, '$.seed') WHERE seed IS NULL")
    db.execute("ALTER TABLE runs RENAME TO runs_v2")
    runs_table = SCHEMA[: SCHEMA.index("CREATE TABLE failures")]
    db.execute(runs_table.strip().rstrip(";"))
    db.execute("INSERT INTO runs SELECT * FROM runs_v2")
    db.execute("DROP TABLE runs_v2")


MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}  # from version: step to version + 1
