"""Studies: grids of runs from TOML specs, executed serially, on a process pool or on Dask,
stored in SQLite as each run finishes, summarised and reported.

The sub-packages are the stages a study goes through, each importing only the ones before it
(``tests/test_layout.py`` checks it):

- :mod:`~invlab.study.spec`: what a study is (run configurations, the TOML spec file, the
  built-in specs); no torch.
- :mod:`~invlab.study.runs`: the run kinds, one module each, found through a registry.
- :mod:`~invlab.study.execution`: preflight checks, executors (serial, pool, Dask) and the
  runner that stores each run as it finishes.
- :mod:`~invlab.study.store`: the SQLite results database, its schema and migrations, the run
  record and provenance.
- :mod:`~invlab.study.report`: DataFrames in; console tables, markdown, figures and HTML out
  (imports only the store and :mod:`~invlab.study.stats`).

:mod:`invlab.study.outputs` asks the run kinds which figures their runs produce.
"""

import importlib

# name → module; imported on first use, so ``invlab study --list`` and the spec parser need
# neither torch nor pandas nor matplotlib
_LAZY = {
    "builtin_study": "spec.builtin",
    "list_builtin": "spec.builtin",
    "load_builtin": "spec.builtin",
    "size_vs_invariance": "spec.builtin",
    "METRICS": "spec.run_config",
    "RunConfig": "spec.run_config",
    "StudySpec": "spec.run_config",
    "SpecError": "spec.study_file",
    "load_spec": "spec.study_file",
    "parse_spec": "spec.study_file",
    "RunKind": "runs.registry",
    "execute_run": "runs.registry",
    "get_kind": "runs.registry",
    "list_kinds": "runs.registry",
    "make_executor": "execution.executors",
    "run_study": "execution.runner",
    "ResultStore": "store.database",
    "StoreError": "store.database",
    "read_study": "store.read",
    "RunMetrics": "store.records",
    "RunResult": "store.records",
    "MeanCI": "stats",
    "mean_ci": "stats",
    "paired_difference": "stats",
    "slope": "stats",
    "COLUMNS": "report.columns",
    "curve_figure": "report.figures",
    "layer_figure": "report.figures",
    "size_figure": "report.figures",
    "save_figures": "report.gallery",
    "write_report": "report.html",
    "markdown_table": "report.markdown",
    "curve_markdown": "report.markdown",
    "layer_markdown": "report.markdown",
    "print_summary": "report.console",
    "summary_table": "report.summary",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"invlab.study.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'invlab.study' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY)
