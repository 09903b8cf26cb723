"""A results database with one finished run of a tiny MLP: what the examples of the readers and
the report writer read, so that each shows its own call and not how to fill a database (that is
:class:`~invlab.study.store.ResultStore`'s own example)."""

from __future__ import annotations

from pathlib import Path

from invlab.study.spec.run_config import RunConfig
from invlab.study.store.database import ResultStore
from invlab.study.store.records import RunMetrics

STUDY = "tiny"


def example_run() -> tuple[RunConfig, RunMetrics]:
    """The run's configuration and its (made-up) metrics, every field filled in."""
    config = RunConfig(dataset="mnist1d", model="mlp", size={"width": 8, "depth": 1})
    values = dict(params=418, train_accuracy=0.5, test_accuracy=0.4, transformed_accuracy=0.3)
    values.update(consistency=0.6, probe_layer="hidden1", goodfellow=2.0, sensitivity=0.7)
    values.update(train_seconds=0.1, measure_seconds=0.1, final_loss=1.5, grid="shift:-4:4 × 5")
    return config, RunMetrics(**values)


def example_database(path: str | Path) -> Path:
    """Write :func:`example_run` as study ``'tiny'`` into a new database at ``path``.

    Args:
        path: where the database goes (a file that does not exist yet).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with ResultStore(example_database(Path(folder) / "r.db")) as store:
        ...         print(store.runs().study.tolist())
        ['tiny']
    """
    path = Path(path)
    if path.exists():
        raise ValueError(f"path {str(path)!r} exists; give a new file for the example database")
    config, metrics = example_run()
    with ResultStore(path) as store:
        store.save(STUDY, config, metrics=metrics)
    return path
