"""Where generated datasets are cached: ``$INVLAB_CACHE`` or the user's cache directory."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ARRAYS = ("x", "y", "x_test", "y_test")


def cache_dir() -> Path:
    """The cache folder, created on demand.

    ``$INVLAB_CACHE`` wins; otherwise ``$XDG_CACHE_HOME/invlab`` or ``~/.cache/invlab``.
    """
    root = os.environ.get("INVLAB_CACHE")
    if root:
        path = Path(root)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "invlab"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_arrays(
    path: Path, generate: Callable[[], dict[str, np.ndarray]], cache: bool = True
) -> dict[str, np.ndarray]:
    """The arrays ``x, y, x_test, y_test`` stored at ``path``, or ``generate()``'s (then saved
    there atomically, when ``cache``). A damaged cache file is regenerated."""
    if cache and path.exists():
        try:
            with np.load(path) as f:
                return {k: f[k] for k in ARRAYS}
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is regenerated
    arrays = generate()
    if cache:
        _atomic_save(path, arrays)
    return arrays


def _atomic_save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
