"""Outputs replaced in one step: written to a temporary file in the destination's folder, then
renamed over it (``os.replace``, atomic on POSIX and Windows within one file system). A reader,
or a second study writing the same report, sees the old file or the new one, never a mix or a
truncated file; a write that fails leaves the old file and no temporary behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path to write; on success it replaces ``path`` (folder created).

    Examples:
        >>> with replacing("out/report.html") as tmp:  # doctest: +SKIP
        ...     tmp.write_text(html)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)  # mkstemp's 0600 would hide the output from others
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
