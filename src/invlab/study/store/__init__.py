"""The results database: one SQLite row per finished run, committed as it finishes (schema and
migrations, the store, the run record, provenance, and the read that every report uses)."""

from invlab.study.store.database import ResultStore, StoreError
from invlab.study.store.provenance import library_versions
from invlab.study.store.read import read_study
from invlab.study.store.records import METRIC_NAMES, RunMetrics, RunResult

__all__ = [
    "METRIC_NAMES",
    "ResultStore",
    "RunMetrics",
    "RunResult",
    "StoreError",
    "library_versions",
    "read_study",
]
