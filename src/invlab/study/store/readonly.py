"""The read-only way into a results database (``invlab runs``, ``invlab report``): the file is
opened through SQLite's ``mode=ro`` URI, so no read command can create, migrate or modify its
input; see :class:`invlab.study.store.ResultStore` (``readonly=True``)."""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

from invlab.study.store.schema import SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(RuntimeError):
    """The results database cannot be used (not SQLite, corrupted, foreign or missing)."""


def open_readonly(reader, timeout: float) -> sqlite3.Connection:
    """A connection that cannot write ``reader.path`` (``reader``: the ResultStore being
    opened, whose checks and migration are used): SQLite's read-only URI mode (``mode=ro``) on
    an existing invlab database; one of an earlier schema version is copied to memory and
    migrated there. Refuses a missing, empty, foreign or corrupted file."""
    path = reader.path
    name = repr(str(path))
    if not path.exists():
        raise StoreError(f"results database {name} does not exist")
    if path.is_dir():
        raise StoreError(f"results database {name} is a folder, not a file")
    if path.stat().st_size == 0:
        raise StoreError(
            f"{name} is an empty file, not an invlab results database; it was left untouched"
        )
    _check_header(path)
    # A WAL-mode file opened read-only still gets -wal/-shm files beside it; where no writer
    # has them open (no -wal file), the file is read as immutable so nothing is created.
    live = path.with_name(path.name + "-wal").exists()
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    uri += "" if live else "&immutable=1"
    db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    reader._db = db
    try:
        reader._verify()
        if reader._version() == 0:
            raise StoreError(f"{name} is an empty SQLite database, not an invlab results database")
        if reader._version() < SCHEMA_VERSION:  # migrate a copy, never the file
            memory = sqlite3.connect(":memory:", isolation_level=None)
            db.backup(memory)
            db.close()
            reader._db = db = memory
            reader._initialise()
        elif reader._version() > SCHEMA_VERSION:
            raise StoreError(
                f"{name} was written by a newer invlab (schema version {reader._version()}, "
                f"this one reads up to {SCHEMA_VERSION}); upgrade invlab"
            )
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(
            f"{name} is not a usable SQLite database ({exc}); it was left untouched"
        ) from None
    except StoreError:
        db.close()
        raise
    return db


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that does not start with SQLite's magic header."""
    with path.open("rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{str(path)!r} is not a SQLite database (it starts with {head[:8]!r}); it was "
            "left untouched: give the path of an invlab results database or a new file"
        )
