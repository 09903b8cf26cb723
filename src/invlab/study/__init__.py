"""Studies: grids of training runs from TOML specs, executed serially, on a process pool or
on Dask, stored in SQLite as each run finishes, summarised and reported in HTML.

Modules by role: ``config`` (a run's configuration, a study's runs), ``spec`` (the TOML spec
file), ``builtin`` (the specs shipped in ``specs/``), ``execute`` (one run), ``metrics`` (what a
run stores), ``executors`` and ``runner`` (running a study), ``store`` and ``schema`` (the
SQLite results database, its schema and migrations), ``stats`` (means and 95 % intervals over
seeds), ``summary`` (tables aggregated over seeds), ``figures`` and ``report`` (the figures,
the HTML report).
"""

from invlab.study.builtin import builtin_study, list_builtin, load_builtin, size_vs_invariance
from invlab.study.config import METRICS, RunConfig, StudySpec
from invlab.study.execute import execute_run
from invlab.study.figures import curve_figure, layer_figure, save_figures, size_figure
from invlab.study.metrics import COLUMNS, RunMetrics, RunResult
from invlab.study.runner import run_study
from invlab.study.spec import SpecError, load_spec, parse_spec
from invlab.study.stats import MeanCI, mean_ci, paired_difference, slope
from invlab.study.store import ResultStore, StoreError
from invlab.study.summary import markdown_table, print_summary, summary_table

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
    "execute_run",
    "layer_figure",
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
