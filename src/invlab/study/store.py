"""The results database: one SQLite row per finished run, committed as the run finishes."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pandas as pd

from invlab.study.spec import RunConfig

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key        TEXT PRIMARY KEY,
    study      TEXT NOT NULL,
    label      TEXT NOT NULL,
    config     TEXT NOT NULL,
    status     TEXT NOT NULL,
    metrics    TEXT,
    layers     TEXT,
    error      TEXT,
    seconds    REAL,
    finished   REAL
);
"""


class ResultStore:
    """A SQLite file of run results.

    Each :meth:`save` is its own transaction, so a study killed at any moment keeps every run
    that finished; rerunning the study skips them (see :meth:`done_keys`).

    Args:
        path: the database file (created with its folder if missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.executescript(SCHEMA)
        self._db.commit()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def done_keys(self) -> set[str]:
        """Keys of the runs stored with status ``'done'``."""
        rows = self._db.execute("SELECT key FROM runs WHERE status = 'done'")
        return {r[0] for r in rows}

    def save(
        self,
        study: str,
        config: RunConfig,
        *,
        metrics: dict | None = None,
        layers: list | None = None,
        error: str | None = None,
        seconds: float = 0.0,
    ) -> None:
        """Store one finished (or failed, with ``error``) run and commit."""
        status = "failed" if error else "done"
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    config.key(),
                    study,
                    config.label(),
                    json.dumps(config.as_dict(), sort_keys=True),
                    status,
                    json.dumps(metrics) if metrics is not None else None,
                    json.dumps(layers) if layers is not None else None,
                    error,
                    seconds,
                    time.time(),
                ),
            )

    def runs(self, study: str | None = None) -> pd.DataFrame:
        """One row per run: configuration columns, then metric columns."""
        query = "SELECT key, study, label, config, status, metrics, error, seconds FROM runs"
        args: tuple = ()
        if study is not None:
            query += " WHERE study = ?"
            args = (study,)
        rows = []
        for key, st, label, config, status, metrics, error, seconds in self._db.execute(
            query + " ORDER BY finished", args
        ):
            row = {
                "key": key,
                "study": st,
                "label": label,
                "status": status,
                "error": error,
                "seconds": seconds,
            }
            cfg = json.loads(config)
            row.update({k: v for k, v in cfg.items() if k != "size"})
            row["size"] = json.dumps(cfg["size"])
            row.update(json.loads(metrics) if metrics else {})
            rows.append(row)
        return pd.DataFrame(rows)

    def layers(self, study: str | None = None) -> pd.DataFrame:
        """Per-layer measurements, long format: ``label, augment, layer, metric, value``."""
        query = "SELECT label, config, layers FROM runs WHERE status = 'done'"
        args: tuple = ()
        if study is not None:
            query += " AND study = ?"
            args = (study,)
        rows = []
        for label, config, layers in self._db.execute(query, args):
            cfg = json.loads(config)
            for item in json.loads(layers or "[]"):
                rows.append(
                    {"label": label, "family": cfg["family"], "augment": cfg["augment"], **item}
                )
        return pd.DataFrame(rows)
