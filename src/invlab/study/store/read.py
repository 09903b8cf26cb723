"""Reading a results database for a report: the runs, layers and curves of one study or all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invlab.study.store.database import ResultStore


def read_study(
    db_path: str | Path, study: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The runs, layers and curves (:class:`ResultStore`) stored in ``db_path``, of ``study``
    only when it is given.

    Args:
        db_path: an invlab results database (it must exist; it is only read).
        study: only this study's runs; ``None``: every run in the database.

    Returns:
        ``(runs, layers, curves)``: :meth:`ResultStore.runs`, :meth:`ResultStore.layers` and
        :meth:`ResultStore.curves`.

    Raises:
        StoreError: ``db_path`` is missing or not an invlab results database.
        ValueError: ``study`` has no runs in the database (the message lists those it has).

    Examples:
        Read a database holding one finished run (:mod:`invlab.study.store.example`):

        >>> import tempfile, pathlib
        >>> from invlab.study.store.example import example_database, example_run
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     db = example_database(pathlib.Path(folder) / "results.db")
        ...     runs, layers, curves = read_study(db, "tiny")
        >>> len(runs), runs.label[0] == example_run()[0].label()
        (1, True)
    """
    with ResultStore(db_path, readonly=True) as store:  # a report never writes its input
        store.require_study(study)
        return store.runs(study), store.layers(study), store.curves(study)
