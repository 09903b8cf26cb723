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
        >>> import tempfile, pathlib
        >>> from invlab.study.spec.run_config import RunConfig
        >>> from invlab.study.store.records import RunMetrics
        >>> config = RunConfig(dataset="mnist1d", model="mlp", size={"width": 8, "depth": 1})
        >>> metrics = RunMetrics(
        ...     params=418, train_accuracy=0.5, test_accuracy=0.4, transformed_accuracy=0.3,
        ...     consistency=0.6, probe_layer="hidden1", goodfellow=2.0, sensitivity=0.7,
        ...     train_seconds=0.1, measure_seconds=0.1, final_loss=1.5, grid="shift:-4:4 × 5",
        ... )
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     db = pathlib.Path(folder) / "results.db"
        ...     with ResultStore(db) as store:
        ...         _ = store.save("tiny", config, metrics=metrics)
        ...     runs, layers, curves = read_study(db, "tiny")
        >>> len(runs), runs.label[0] == config.label()
        (1, True)
    """
    with ResultStore(db_path, readonly=True) as store:  # a report never writes its input
        store.require_study(study)
        return store.runs(study), store.layers(study), store.curves(study)
