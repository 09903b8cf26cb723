"""Run a study: skip what is stored, execute the rest, store each result as it finishes."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path

from invlab.study.execute import execute_run
from invlab.study.spec import RunConfig, StudySpec
from invlab.study.store import ResultStore

Progress = Callable[[str, RunConfig, dict | None], None]


def run_study(
    spec: StudySpec,
    db_path: str | Path,
    *,
    progress: Progress | None = None,
    raise_errors: bool = False,
) -> tuple[int, int]:
    """Execute every run of ``spec`` not already stored in ``db_path``.

    A run that raises is stored as failed with its traceback (and retried next time), so one
    bad configuration does not stop the study.

    Args:
        spec: the study.
        db_path: the SQLite results file.
        progress: called as ``progress(event, config, metrics)`` with event ``'skip'``,
            ``'start'``, ``'done'`` or ``'failed'``.
        raise_errors: re-raise a run's exception after storing it (for debugging).

    Returns:
        ``(executed, skipped)`` run counts.
    """
    notify = progress or (lambda *_: None)
    executed = skipped = 0
    with ResultStore(db_path) as store:
        done = store.done_keys()
        for config in spec.runs:
            if config.key() in done:
                skipped += 1
                notify("skip", config, None)
                continue
            notify("start", config, None)
            start = time.perf_counter()
            try:
                result = execute_run(config)
            except Exception as exc:
                store.save(
                    spec.name,
                    config,
                    error=traceback.format_exc(),
                    seconds=time.perf_counter() - start,
                )
                notify("failed", config, {"error": repr(exc)})
                if raise_errors:
                    raise
                continue
            store.save(
                spec.name,
                config,
                metrics=result["metrics"],
                layers=result["layers"],
                seconds=time.perf_counter() - start,
            )
            executed += 1
            notify("done", config, result["metrics"])
    return executed, skipped
