"""The results database: one SQLite row per finished run, committed as the run finishes.

SQLite is embedded (no server), the file is in WAL mode (readers never block the writer, a
killed writer loses at most the run it was computing) and every :meth:`ResultStore.save` is its
own transaction, synchronised to disk. Several processes may write one database at once: each
save waits for the others (``timeout``) and a finished run is never overwritten by a failure.

A file that is not a SQLite database, is corrupted, or is someone else's SQLite database is
refused with :class:`StoreError` before anything is written to it.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from pathlib import Path

import pandas as pd

from invlab.study.spec.run_config import RunConfig
from invlab.study.store.axis_labels import with_axis_labels
from invlab.study.store.provenance import library_versions

# StoreError lives with the read-only opener (no import cycle) and is re-exported from here
from invlab.study.store.readonly import StoreError, _check_header, open_readonly
from invlab.study.store.records import RunMetrics
from invlab.study.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA, SCHEMA_VERSION, V1_COLUMNS


class ResultStore:
    """A SQLite file of run results.

    Each :meth:`save` is its own transaction, so a study killed at any moment keeps every run
    that finished; rerunning the study skips them (see :meth:`done_keys`) and retries the
    failed ones, whose errors stay in :meth:`failures`.

    Args:
        path: the database file (created with its folder if missing and ``create``).
        create: create the database when ``path`` does not exist; otherwise a missing file is
            a :class:`StoreError` (for commands that only read).
        timeout: seconds to wait for another writer before giving up.
        readonly: open the file read-only (``invlab runs``/``report``): it is never created,
            migrated or written, so it stays byte-identical; an empty or foreign file is a
            :class:`StoreError`. An earlier schema version is migrated in a copy in memory.

    Raises:
        StoreError: ``path`` is not a SQLite file, is corrupted, or belongs to another
            application; the file is left untouched.

    Examples:
        Store one finished run in a temporary database and read it back:

        >>> import tempfile, pathlib
        >>> from invlab.study.spec.run_config import RunConfig
        >>> from invlab.study.store.records import RunMetrics
        >>> config = RunConfig(dataset="mnist1d", model="mlp", size={"width": 8, "depth": 1})
        >>> metrics = RunMetrics(
        ...     params=418, train_accuracy=0.5, test_accuracy=0.4, transformed_accuracy=0.3,
        ...     consistency=0.6, probe_layer="hidden1", goodfellow=2.0, sensitivity=0.7,
        ...     train_seconds=0.1, measure_seconds=0.1, final_loss=1.5, grid="shift:-4:4 × 5",
        ... )
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with ResultStore(pathlib.Path(folder) / "results.db") as store:
        ...         store.save("tiny", config, metrics=metrics)
        ...         runs = store.runs()
        True
        >>> runs[["study", "status", "model", "test_accuracy"]].to_dict("records")
        [{'study': 'tiny', 'status': 'done', 'model': 'mlp', 'test_accuracy': 0.4}]
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        timeout: float = 60.0,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        if readonly:
            self._db = open_readonly(self, timeout)
            return
        if not self.path.exists():
            if not create:
                raise StoreError(f"results database {str(self.path)!r} does not exist")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif self.path.is_dir():
            raise StoreError(f"results database {str(self.path)!r} is a folder, not a file")
        else:
            _check_header(self.path)
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            self._verify()
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._initialise()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(
                f"{str(self.path)!r} is not a usable SQLite database ({exc}); it was left "
                "untouched: give another --out/DB path or restore the file"
            ) from None
        except StoreError:
            self._db.close()
            raise

    # -- opening ----------------------------------------------------------------------------

    def _verify(self) -> None:
        """Refuse corrupted and foreign databases, reading only."""
        check = self._db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            problems = "; ".join(r[0] for r in check[:3])
            raise StoreError(
                f"{str(self.path)!r} is a corrupted SQLite database ({problems}); it was left "
                "untouched: restore it from a backup or start a new database"
            )
        app = self._db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        tables = {t for t in tables if not t.startswith("sqlite_")}
        if app == APPLICATION_ID:
            return
        ours_v1 = "runs" in tables and V1_COLUMNS == self._columns("runs")[: len(V1_COLUMNS)]
        if app != 0 or (tables and not ours_v1):
            raise StoreError(
                f"{str(self.path)!r} is a SQLite database of another application "
                f"(application_id {app:#x}, tables {sorted(tables)}), not an invlab results "
                "database; it was left untouched: give another path"
            )

    def _columns(self, table: str) -> list[str]:
        return [r[1] for r in self._db.execute(f"PRAGMA table_info({table})")]

    def _version(self) -> int:
        """The schema version of the opened file: 0 for a new (empty) file."""
        if self._db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return 1 if "runs" in self._tables() else 0
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _tables(self) -> set[str]:
        names = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        return {t for t in names if not t.startswith("sqlite_")}

    def _initialise(self) -> None:
        """Create the schema, or migrate an earlier version to it, in one transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{str(self.path)!r} was written by a newer invlab (schema version "
                    f"{version}, this one reads up to {SCHEMA_VERSION}); upgrade invlab"
                )
            if version == 0:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            else:
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](self._db)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def save(
        self,
        study: str,
        config: RunConfig,
        *,
        metrics: RunMetrics | None = None,
        layers: list | None = None,
        curve: list | None = None,
        error: str | None = None,
        seconds: float = 0.0,
        versions: dict | None = None,
        worker: str | None = None,
        started: float | None = None,
    ) -> bool:
        """Store one finished (with ``metrics``) or failed (with ``error``) run and commit.

        A failure never replaces a finished run (two studies may share a database), and
        every failure is also appended to the ``failures`` table, so retried runs keep their
        errors.

        Returns:
            whether the ``runs`` row was written (``False``: the run was already done).
        """
        now = time.time()
        versions_json = json.dumps(versions or library_versions(), sort_keys=True)
        status = "failed" if error else "done"
        row = {
            "key": config.key(),
            "study": study,
            "label": config.label(),
            "config": json.dumps(config.as_dict(), sort_keys=True),
            "status": status,
            "metrics": json.dumps(metrics.as_dict()) if metrics is not None else None,
            "layers": json.dumps(layers) if layers is not None else None,
            "error": error,
            "seconds": seconds,
            "finished": now,
            "seed": config.seed,
            "curve": json.dumps(curve) if curve is not None else None,
            "versions": versions_json,
            "started": started,
            "worker": worker or socket.gethostname(),
        }
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "key")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if error:
                self._db.execute(
                    "INSERT INTO failures (key, study, label, error, seconds, finished, versions)"
                    " VALUES (:key, :study, :label, :error, :seconds, :finished, :versions)",
                    row,
                )
            cursor = self._db.execute(
                f"INSERT INTO runs ({names}) VALUES ({marks}) ON CONFLICT(key) DO UPDATE SET "
                f"{updates}, attempts = runs.attempts + 1 WHERE runs.status != 'done'",
                row,
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return cursor.rowcount > 0

    # -- reading ----------------------------------------------------------------------------

    def done_keys(self) -> set[str]:
        """Keys of the runs stored with status ``'done'``."""
        rows = self._db.execute("SELECT key FROM runs WHERE status = 'done'")
        return {r[0] for r in rows}

    def is_done(self, key: str) -> bool:
        """Whether the run with this key is stored as done (by this or another process)."""
        row = self._db.execute("SELECT 1 FROM runs WHERE key = ? AND status = 'done'", (key,))
        return row.fetchone() is not None

    def studies(self) -> list[str]:
        """Names of the studies with runs in this database."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT study FROM runs ORDER BY study")]

    def require_study(self, study: str | None) -> None:
        """Refuse a ``study`` with no runs here (``None``: every study) with a ValueError that
        lists the studies the database has."""
        if study is not None and study not in self.studies():
            raise ValueError(
                f"study {study!r} has no runs in {str(self.path)!r}; "
                f"studies there: {', '.join(self.studies()) or '(none)'}"
            )

    def runs(self, study: str | None = None) -> pd.DataFrame:
        """One row per run: identity, status, configuration columns, ``group`` (the
        configuration's key without its seed: :meth:`RunConfig.group_key`), then the
        :class:`RunMetrics` fields (missing for failed runs)."""
        query = (
            "SELECT key, study, label, config, status, metrics, error, seconds, attempts, "
            "finished, versions, worker FROM runs"
        )
        where, args = _where(study)
        rows = []
        for (
            key,
            st,
            label,
            config,
            status,
            metrics,
            error,
            seconds,
            attempts,
            finished,
            versions,
            worker,
        ) in self._db.execute(query + where + " ORDER BY finished, key", args):
            row = {
                "key": key,
                "study": st,
                "label": label,
                "status": status,
                "error": error,
                "seconds": seconds,
                "attempts": attempts,
                "finished": finished,
                "versions": versions,
                "worker": worker,
            }
            cfg = json.loads(config)
            row.update({k: v for k, v in cfg.items() if k not in ("size", "metrics")})
            row["size"] = json.dumps(cfg["size"])
            row["group"] = RunConfig.from_dict(cfg).group_key()
            if metrics:
                row.update(RunMetrics.from_dict(json.loads(metrics)).as_dict())
            rows.append(row)
        return pd.DataFrame(rows)

    def layers(self, study: str | None = None) -> pd.DataFrame:
        """Per-layer measurements, long format: ``key, group, seed, label, family, augment,
        layer, metric, value`` (layers in the model's order)."""
        return self._expand("layers", (), study)

    def curves(self, study: str | None = None) -> pd.DataFrame:
        """Accuracy along the transformation: ``key, group, seed, label, family, augment,
        dataset, transform, param, accuracy``, one row per point of each run's parameter grid,
        and the transformation's ``axis_label`` (:mod:`invlab.study.store.axis_labels`)."""
        return with_axis_labels(self._expand("curve", ("dataset", "transform"), study))

    def _expand(self, column: str, extra: tuple[str, ...], study: str | None) -> pd.DataFrame:
        """One row per item of the JSON list in ``column`` of every finished run, led by the
        run's key, group, seed, label, family, augmentation and the configuration fields
        ``extra``."""
        where, args = _where(study, done=True)
        rows = []
        for key, label, config, items in self._db.execute(
            f"SELECT key, label, config, {column} FROM runs" + where, args
        ):
            cfg = json.loads(config)
            group = RunConfig.from_dict(cfg).group_key()
            lead = {"key": key, "group": group, "seed": cfg["seed"], "label": label}
            lead.update(family=cfg["family"], augment=cfg["augment"])
            lead.update({name: cfg[name] for name in extra})
            rows.extend({**lead, **item} for item in json.loads(items or "[]"))
        return pd.DataFrame(rows)

    def failures(self, study: str | None = None) -> pd.DataFrame:
        """Every failed attempt, oldest first: ``key, study, label, error, seconds, finished``."""
        where, args = _where(study)
        return pd.read_sql_query(
            "SELECT key, study, label, error, seconds, finished FROM failures"
            + where
            + " ORDER BY id",
            self._db,
            params=args,
        )

    def counts(self) -> dict[str, int]:
        """Runs per status, e.g. ``{'done': 28, 'failed': 2}``."""
        return dict(self._db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status"))


def _where(study: str | None, done: bool = False) -> tuple[str, tuple]:
    clauses, args = [], []
    if done:
        clauses.append("status = 'done'")
    if study is not None:
        clauses.append("study = ?")
        args.append(study)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)
