"""Run a study: skip what is stored, execute the rest, store each result as it arrives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from invlab.study.execution.executors import Executor, SerialExecutor
from invlab.study.spec.run_config import RunConfig, StudySpec
from invlab.study.store.database import ResultStore
from invlab.study.store.records import RunMetrics

Progress = Callable[[str, RunConfig, RunMetrics | dict | None], None]


def run_study(
    spec: StudySpec,
    db_path: str | Path,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    raise_errors: bool = False,
) -> tuple[int, int]:
    """Execute every run of ``spec`` not already stored as done in ``db_path``.

    Finished runs are skipped, failed ones retried. A run that raises is stored as failed with
    its traceback (kept in the ``failures`` table even after a later success), so one bad
    configuration does not stop the study. Each result is committed as soon as it arrives, by
    this process only; workers never open the database.

    Args:
        spec: the study.
        db_path: the SQLite results file (see :class:`ResultStore`).
        executor: where runs execute (see :func:`invlab.study.execution.executors.make_executor`);
            default serial in this process. The caller keeps ownership (closes it).
        progress: called as ``progress(event, config, info)`` with event ``'skip'``,
            ``'start'``, ``'done'`` (info: the :class:`RunMetrics`) or ``'failed'`` (info:
            ``{'error': last line of the traceback}``).
        raise_errors: stop at the first failed run (after storing it) with a RuntimeError.

    Returns:
        ``(executed, skipped)``: runs finished now, and runs found already done.

    Examples:
        One run (a small MLP, one epoch on MNIST-1D) into a temporary database; the second
        call finds it done and skips it:

        >>> from invlab.study.spec.study_file import parse_spec
        >>> spec = parse_spec({
        ...     "name": "tiny", "datasets": ["mnist1d"], "training": {"epochs": 1},
        ...     "measure": {"transforms": ["shift:-4:4"], "inputs": 100, "steps": 5},
        ...     "models": [{"name": "mlp", "grid": {"width": 8, "depth": 1}}],
        ... })
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     db = pathlib.Path(folder) / "results.db"
        ...     print(run_study(spec, db), run_study(spec, db))
        (1, 0) (0, 1)
    """
    notify = progress or (lambda *_: None)
    executor = executor or SerialExecutor()
    executed = skipped = 0
    with ResultStore(db_path) as store:
        done = store.done_keys()

        def should_run(config: RunConfig) -> bool:
            nonlocal skipped
            # Also ask the database: another study sharing it may have finished this run.
            if config.key() in done or store.is_done(config.key()):
                skipped += 1
                notify("skip", config, None)
                return False
            return True

        def on_start(config: RunConfig) -> None:
            notify("start", config, None)

        for config, outcome in executor.run(spec.runs, should_run, on_start):
            result = outcome["result"]
            common = {
                "seconds": outcome["seconds"],
                "versions": outcome["versions"],
                "worker": outcome["worker"],
                "started": outcome["started"],
            }
            if outcome["error"] is not None:
                store.save(spec.name, config, error=outcome["error"], **common)
                notify("failed", config, {"error": outcome["error"].strip().splitlines()[-1]})
                if raise_errors:
                    raise RuntimeError(f"run {config.label()} failed:\n{outcome['error']}")
                continue
            store.save(
                spec.name,
                config,
                metrics=result.metrics,
                layers=result.layers,
                curve=result.curve,
                **common,
            )
            done.add(config.key())
            executed += 1
            notify("done", config, result.metrics)
    return executed, skipped
