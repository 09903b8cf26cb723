"""Studies: grids of training runs from TOML specs, executed serially, on a process pool or
on Dask, stored in SQLite as each run finishes, summarised and reported in HTML."""

from invlab.study.builtin import BUILTIN, builtin_study, size_vs_invariance
from invlab.study.execute import execute_run
from invlab.study.runner import run_study
from invlab.study.spec import METRICS, RunConfig, StudySpec
from invlab.study.spec_file import SpecError, list_builtin, load_builtin, load_spec, parse_spec
from invlab.study.store import ResultStore, StoreError
from invlab.study.summary import print_summary, save_figure, summary_table

__all__ = [
    "BUILTIN",
    "METRICS",
    "ResultStore",
    "RunConfig",
    "SpecError",
    "StoreError",
    "StudySpec",
    "builtin_study",
    "execute_run",
    "list_builtin",
    "load_builtin",
    "load_spec",
    "parse_spec",
    "print_summary",
    "run_study",
    "save_figure",
    "size_vs_invariance",
    "summary_table",
]
