"""Provenance: the library versions a stored result depends on, recorded with every run."""

from __future__ import annotations

import platform
import sqlite3


def library_versions() -> dict[str, str]:
    """Versions that a stored result depends on (recorded with every run)."""
    import numpy
    import torch

    from invlab import __version__

    return {
        "invlab": __version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
