"""Studies: grids of training runs from TOML specs, executed serially, on a process pool or
on Dask, stored in SQLite as each run finishes, summarised and reported in HTML.

Modules by role: ``config`` (a run's configuration, a study's runs), ``spec`` (the TOML spec
file), ``builtin`` (the specs shipped in ``specs/``), ``execute`` (one run), ``metrics`` (what a
run stores), ``executors`` and ``runner`` (running a study), ``store`` and ``schema`` (the
SQLite results database, its schema and migrations), ``stats`` (means and 95 % intervals over
seeds), ``summary`` (tables aggregated over seeds), ``figures`` and ``report`` (the figures,
the HTML report).
"""

import importlib

# name → module; imported on first use, so ``invlab study --list`` and the spec parser need
# neither torch nor pandas nor matplotlib
_LAZY = {
    "builtin_study": "builtin",
    "list_builtin": "builtin",
    "load_builtin": "builtin",
    "size_vs_invariance": "builtin",
    "METRICS": "config",
    "RunConfig": "config",
    "StudySpec": "config",
    "execute_run": "execute",
    "curve_figure": "figures",
    "layer_figure": "figures",
    "save_figures": "figures",
    "size_figure": "figures",
    "COLUMNS": "metrics",
    "RunMetrics": "metrics",
    "RunResult": "metrics",
    "run_study": "runner",
    "SpecError": "spec",
    "load_spec": "spec",
    "parse_spec": "spec",
    "MeanCI": "stats",
    "mean_ci": "stats",
    "paired_difference": "stats",
    "slope": "stats",
    "ResultStore": "store",
    "StoreError": "store",
    "markdown_table": "page_tables",
    "curve_markdown": "page_tables",
    "layer_markdown": "page_tables",
    "print_summary": "summary",
    "summary_table": "summary",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"invlab.study.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'invlab.study' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "COLUMNS",
    "METRICS",
    "MeanCI",
    "ResultStore",
    "RunConfig",
    "RunMetrics",
    "RunResult",
    "SpecError",
    "StoreError",
    "StudySpec",
    "builtin_study",
    "curve_figure",
    "curve_markdown",
    "execute_run",
    "layer_figure",
    "layer_markdown",
    "list_builtin",
    "load_builtin",
    "load_spec",
    "markdown_table",
    "mean_ci",
    "paired_difference",
    "parse_spec",
    "print_summary",
    "run_study",
    "save_figures",
    "size_figure",
    "size_vs_invariance",
    "slope",
    "summary_table",
]
