"""Where commands write: checked before any work, so a bad ``--out`` fails in one line."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def writable_folder(path: Path, flag: str = "--out") -> Path:
    """Create the folder ``path`` (and its parents) and prove it writable, or raise ValueError.

    Refused, naming ``flag``: a path that is an existing file, a folder that cannot be created
    (a parent is a file, no permission, a read-only or virtual file system such as ``/proc``),
    and a folder where a file cannot be written.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{flag} {str(path)!r} is an existing file; give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ValueError(f"{flag} {str(path)!r}: cannot write there ({reason})") from None
    return path


def writable_file(path: Path, flag: str) -> Path:
    """A file path whose folder exists (or can be made) and is writable, or a ValueError."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"{flag} {str(path)!r} is a folder; give a file path")
    writable_folder(path.parent if str(path.parent) else Path("."), flag)
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{flag} {str(path)!r}: the file is not writable")
    return path


def check_outputs(*checks: tuple[Path | None, str, Callable[[Path, str], Path]]) -> None:
    """Run each ``(path, flag, check)`` whose path is given (``check`` is
    :func:`writable_file` or :func:`writable_folder`); a refusal becomes the command-line
    error ``typer.BadParameter`` naming ``flag``."""
    import typer

    for path, flag, check in checks:
        if path is None:
            continue
        try:
            check(path, flag)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=flag) from None
