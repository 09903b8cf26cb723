"""Running a study: check every run fits its data before any trains (preflight), execute the
runs serially, on a process pool or on Dask (executors), and store each as it finishes
(runner)."""

from invlab.study.execution.executors import (
    DaskExecutor,
    Executor,
    PoolExecutor,
    SchedulerUnreachable,
    SerialExecutor,
    make_executor,
    run_one,
)
from invlab.study.execution.preflight import RunMisfitError, check_runs_fit
from invlab.study.execution.runner import run_study

__all__ = [
    "DaskExecutor",
    "Executor",
    "PoolExecutor",
    "RunMisfitError",
    "SchedulerUnreachable",
    "SerialExecutor",
    "check_runs_fit",
    "make_executor",
    "run_one",
    "run_study",
]
