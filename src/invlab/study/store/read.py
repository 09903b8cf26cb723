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

    Raises:
        StoreError: ``db_path`` is missing or not an invlab results database.
        ValueError: ``study`` has no runs in the database (the message lists those it has).
    """
    with ResultStore(db_path, create=False) as store:
        if study is not None and study not in store.studies():
            raise ValueError(
                f"study {study!r} has no runs in {str(db_path)!r}; "
                f"studies there: {', '.join(store.studies()) or '(none)'}"
            )
        return store.runs(study), store.layers(study), store.curves(study)
