"""Studies: grids of training runs, measured, stored in SQLite, summarised."""

from invlab.study.builtin import BUILTIN, size_vs_invariance
from invlab.study.execute import execute_run
from invlab.study.runner import run_study
from invlab.study.spec import RunConfig, StudySpec
from invlab.study.store import ResultStore
from invlab.study.summary import print_summary, save_figure, summary_table

__all__ = [
    "BUILTIN",
    "ResultStore",
    "RunConfig",
    "StudySpec",
    "execute_run",
    "print_summary",
    "run_study",
    "save_figure",
    "size_vs_invariance",
    "summary_table",
]
