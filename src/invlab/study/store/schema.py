"""The results database's schema, written whole, and the steps that bring an earlier
version's file to it (applied by :class:`invlab.study.store.ResultStore` when it opens one)."""

from __future__ import annotations

import json
import sqlite3

APPLICATION_ID = 0x494E564C  # "INVL": marks the file as an invlab results database

# The whole schema. A database of an earlier version is brought to it by MIGRATIONS, in
# place and in one transaction, so that a migrated file and a new one have the same tables,
# columns (in the same order) and contents' format (tested in tests/study/store/test_store.py).
SCHEMA_VERSION = 5
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


def _readout_input(layers: list[dict]) -> str | None:
    """The layer before ``logits`` in a run's stored per-layer rows (model order), as
    :func:`invlab.models.readout_input` names it for a staged model; None without one (the
    measured ``input`` is no layer of the model)."""
    names = [n for n in dict.fromkeys(row["layer"] for row in layers) if n != "input"]
    at = names.index("logits") if "logits" in names else 0
    return names[at - 1] if at > 0 else None


_ONE_SHIFT = "one random shift (schema 3)"


def _migrate_3_to_4(db: sqlite3.Connection) -> None:
    """Version 4 made ``consistency``, ``transformed_accuracy`` and ``sensitivity`` one
    estimand in every run kind, and stores the grid they were computed on (``grid``).

    - ``train`` runs (and ``learn-dft`` ones measured like them): the grid is their
      ``transform × steps``; ``sensitivity`` and ``goodfellow`` are read at the input of the
      read-out (the layer before ``logits``), recomputed from the stored per-layer values
      where the old probe was another layer (wrapper models: NaN, no such layer).
    - ``kernel`` and ``finite`` runs measured one random shift against none: that is not the
      grid estimand, so the three values are kept as extras (group ``one random shift
      (schema 3)``) and the metrics become NaN until the run is recomputed.
    """
    nan = float("nan")
    rows = db.execute(
        "SELECT key, config, metrics, layers FROM runs WHERE metrics IS NOT NULL"
    ).fetchall()
    for key, config_blob, blob, layers_blob in rows:
        config, metrics = json.loads(config_blob), json.loads(blob)
        layers = json.loads(layers_blob or "[]")
        kind = config.get("kind", "train")
        grid = f"{config.get('transform')} × {config.get('steps')}"
        if kind in ("kernel", "finite"):
            old = {k: metrics[k] for k in ("consistency", "transformed_accuracy", "sensitivity")}
            layers += [{"layer": _ONE_SHIFT, "metric": k, "value": v} for k, v in old.items()]
            metrics.update(dict.fromkeys(old, nan), grid="")
        elif kind == "train" or metrics.get("probe_layer") != "output":
            probe = _readout_input(layers)
            if layers and probe != metrics.get("probe_layer"):  # without rows: as stored
                read = {(r["layer"], r["metric"]): r["value"] for r in layers}
                metrics["probe_layer"] = probe or ""
                for name in ("goodfellow", "sensitivity"):
                    metrics[name] = read.get((probe, name), nan)
            metrics["grid"] = grid
        else:  # learn-dft runs: their output measured on the grid, or nothing measured
            sensitivity = metrics.get("sensitivity")
            measured = isinstance(sensitivity, float) and sensitivity == sensitivity
            metrics["grid"] = grid if measured else ""
        db.execute(
            "UPDATE runs SET metrics = ?, layers = ? WHERE key = ?",
            (json.dumps(metrics), json.dumps(layers), key),
        )


# The test split's size of each built-in data set at its default arguments (fixed per data set:
# MNIST-1D's 5000 signals split 80/20; sklearn's digits split 75/25; 40 glyphs of each of 10
# digits; 2000 rendered digits at every resolution), from which version 5 recovers the test
# points of earlier runs.
TEST_SIZES = {
    "mnist1d": 1000,
    "mnist1d_shift": 1000,
    "digits": 450,
    "digits_padded": 450,
    "glyph_digits16": 400,
    **{f"rendered_digits{px}{drop}": 2000 for px in (16, 28, 40) for drop in ("", "_no9")},
    "rendered_zoom32": 2000,
}


def recovered_points(config: dict) -> tuple[int, int]:
    """``(test_points, measured_points)`` of a run stored before version 5, from its
    configuration: a kernel, finite or ensemble run uses its first ``n_test`` test inputs for every
    metric; every other kind its whole test split for ``test_accuracy`` and its first
    ``measure_inputs`` for the grid metrics. ``(0, 0)`` (not known) for a data set outside
    :data:`TEST_SIZES`."""
    size = TEST_SIZES.get(config.get("dataset"), 0)
    if not size:
        return 0, 0
    if config.get("kind", "train") in ("kernel", "finite", "ensemble"):
        n = min(int(config.get("size", {}).get("n_test", 500)), size)
        return n, n
    return size, min(int(config.get("measure_inputs", 1000)), size)


def _migrate_4_to_5(db: sqlite3.Connection) -> None:
    """Version 5 stores how many test inputs each metric was computed on (``test_points``,
    ``measured_points``: the test-sampling part of the intervals), recovered from the run's
    configuration where the data set's test split is known (:func:`recovered_points`), else 0
    (the report then shows a seed-only interval and says so)."""
    rows = db.execute("SELECT key, config, metrics FROM runs WHERE metrics IS NOT NULL")
    for key, config_blob, blob in rows.fetchall():
        metrics = json.loads(blob)
        test, measured = recovered_points(json.loads(config_blob))
        metrics.update(test_points=test, measured_points=measured)
        db.execute("UPDATE runs SET metrics = ? WHERE key = ?", (json.dumps(metrics), key))


MIGRATIONS = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
}  # from version: step to version + 1
