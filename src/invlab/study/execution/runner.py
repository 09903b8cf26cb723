"""Run a study: skip what is stored, execute the rest, store each result as it arrives."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from invlab.study.execution.executors import Executor, SerialExecutor
from invlab.study.spec.run_config import RunConfig, StudySpec
from invlab.study.store.claims import Claims
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

    Each run is claimed in the database before it starts (:mod:`invlab.study.store.claims`), so
    several processes running studies on one database split the runs: a run another live
    process holds is waited for, not recomputed, and taken over if that process dies.

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
    with ResultStore(db_path) as store, Claims(db_path) as claims, claims.beating():
        done = store.done_keys()
        busy: list[RunConfig] = []  # held by another live process: waited for at the end

        def should_run(config: RunConfig) -> bool:
            nonlocal skipped
            # Also ask the database: another study sharing it may have finished this run.
            state = "done" if config.key() in done else claims.acquire(config.key())
            if state == "busy":
                busy.append(config)
            elif state == "done":
                skipped += 1
                notify("skip", config, None)
            return state == "claimed"

        def on_start(config: RunConfig) -> None:
            notify("start", config, None)

        def record(config: RunConfig, outcome: dict) -> None:
            nonlocal executed
            result = outcome["result"]
            common = {
                "seconds": outcome["seconds"],
                "versions": outcome["versions"],
                "worker": outcome["worker"],
                "started": outcome["started"],
            }
            if outcome["error"] is not None:
                store.save(spec.name, config, error=outcome["error"], **common)
                claims.release(config.key())
                notify("failed", config, {"error": outcome["error"].strip().splitlines()[-1]})
                if raise_errors:
                    raise RuntimeError(f"run {config.label()} failed:\n{outcome['error']}")
                return
            store.save(
                spec.name,
                config,
                metrics=result.metrics,
                layers=result.layers,
                curve=result.curve,
                **common,
            )
            claims.release(config.key())  # after the save: a released run reads as done
            done.add(config.key())
            executed += 1
            notify("done", config, result.metrics)

        for config, outcome in executor.run(spec.runs, should_run, on_start):
            record(config, outcome)
        # Runs other processes hold: wait until they are stored, or run here those whose
        # claimer died (its claim went stale), in this process.
        takeover = SerialExecutor(getattr(executor, "threads", None))
        while busy:
            time.sleep(min(1.0, claims.heartbeat))
            waiting, busy = busy, []
            for config, outcome in takeover.run(waiting, should_run, on_start):
                record(config, outcome)
    return executed, skipped
