"""Claims on runs, so that several ``invlab study`` processes sharing one results database
split the work instead of each computing every run.

Before a run starts, its process claims it in the database's ``claims`` table: one row per run
key with the claimer's host, pid, a random token, and a heartbeat time that a background thread
refreshes every ``heartbeat`` seconds while the process lives. A claim is *stale*, and is taken
over by the next process that wants the run, when

    now − heartbeat > stale_after          (a process on any host stopped beating), or
    host = this host and pid is not alive  (a local process died: no need to wait).

Claiming is one ``BEGIN IMMEDIATE`` transaction that also reads the run's status, so a run
stored as done is never claimed again: its claimer saves the result *before* releasing the
claim. A process killed at any moment leaves at most stale claims, which are taken over; the
results themselves stay in the ``runs`` table (see :mod:`invlab.study.store`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from pathlib import Path

HEARTBEAT = 10.0  # seconds between heartbeats of a live claimer
STALE_AFTER = 120.0  # seconds without a heartbeat after which a claim is taken over

TABLE = """
CREATE TABLE IF NOT EXISTS claims (
    key        TEXT PRIMARY KEY,     -- the claimed run's RunConfig.key()
    host       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    token      TEXT NOT NULL,        -- this claimer (one per Claims object)
    claimed    REAL NOT NULL,        -- time.time() when claimed
    heartbeat  REAL NOT NULL         -- time.time() of the claimer's last sign of life
)
"""


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (signal 0 probes without signalling)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return False
    return True


class Claims:
    """This process's claims on the runs of one results database.

    Args:
        path: the results database (created by :class:`invlab.study.store.ResultStore`).
        stale_after: seconds without a heartbeat after which another claimer's claim is
            taken over.
        heartbeat: seconds between this claimer's heartbeats (while :meth:`beating`).
        timeout: seconds to wait for another writer of the database.

    Examples:
        >>> with Claims("results.db") as claims, claims.beating():  # doctest: +SKIP
        ...     if claims.acquire(key) == "claimed":
        ...         ...  # run it, store the result, then
        ...         claims.release(key)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        stale_after: float = STALE_AFTER,
        heartbeat: float = HEARTBEAT,
        timeout: float = 60.0,
    ) -> None:
        if not stale_after > heartbeat > 0:
            raise ValueError(
                f"need stale_after > heartbeat > 0, got stale_after={stale_after!r}, "
                f"heartbeat={heartbeat!r}"
            )
        self.path, self.stale_after, self.heartbeat = Path(path), stale_after, heartbeat
        self.timeout = timeout
        self.host, self.pid, self.token = socket.gethostname(), os.getpid(), uuid.uuid4().hex
        self._db = self._connect()
        self._db.execute(TABLE)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)

    def close(self) -> None:
        """Release every claim still held and close the connection."""
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("DELETE FROM claims WHERE token = ?", (self.token,))
        self._db.close()

    def __enter__(self) -> Claims:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def acquire(self, key: str) -> str:
        """Try to claim run ``key``.

        Returns:
            ``'claimed'`` (this process now holds it: run it), ``'done'`` (stored as done:
            skip it) or ``'busy'`` (another live process holds it).
        """
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            status = self._db.execute("SELECT status FROM runs WHERE key = ?", (key,)).fetchone()
            if status is not None and status[0] == "done":
                self._db.execute("COMMIT")
                return "done"
            holder = self._db.execute(
                "SELECT host, pid, token, heartbeat FROM claims WHERE key = ?", (key,)
            ).fetchone()
            if holder is not None and holder[2] != self.token and not self._stale(*holder):
                self._db.execute("COMMIT")
                return "busy"
            self._db.execute(
                "INSERT OR REPLACE INTO claims (key, host, pid, token, claimed, heartbeat) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, self.host, self.pid, self.token, now, now),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return "claimed"

    def _stale(self, host: str, pid: int, token: str, heartbeat: float) -> bool:
        if time.time() - heartbeat > self.stale_after:
            return True
        return host == self.host and not pid_alive(pid)

    def release(self, key: str) -> None:
        """Give up the claim on ``key`` (after its result is stored)."""
        self._db.execute("DELETE FROM claims WHERE key = ? AND token = ?", (key, self.token))

    def beat(self, connection: sqlite3.Connection | None = None) -> None:
        """Refresh the heartbeat of every claim this process holds."""
        (connection or self._db).execute(
            "UPDATE claims SET heartbeat = ? WHERE token = ?", (time.time(), self.token)
        )

    @contextlib.contextmanager
    def beating(self):
        """Keep this process's claims alive from a background thread while in the block (a
        run may compute for longer than ``stale_after``)."""
        stop = threading.Event()

        def loop() -> None:
            connection = self._connect()  # sqlite connections stay in their thread
            try:
                while not stop.wait(self.heartbeat):
                    with contextlib.suppress(sqlite3.OperationalError):  # busy: next beat
                        self.beat(connection)
            finally:
                connection.close()

        thread = threading.Thread(target=loop, name="invlab-claims-heartbeat", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
