"""Where generated datasets are cached: ``$INVLAB_CACHE`` or the user's cache directory."""

from __future__ import annotations

import os
from pathlib import Path


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
