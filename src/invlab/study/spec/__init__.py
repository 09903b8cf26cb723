"""What a study is, before anything runs (no torch): a run's configuration, the TOML spec file
that expands into a grid of them, and the specs shipped with invlab."""

from invlab.study.spec.builtin import builtin_study, list_builtin, load_builtin, size_vs_invariance
from invlab.study.spec.run_config import METRICS, RunConfig, StudySpec, seeds_list
from invlab.study.spec.study_file import SpecError, load_spec, parse_spec

__all__ = [
    "METRICS",
    "RunConfig",
    "SpecError",
    "StudySpec",
    "builtin_study",
    "list_builtin",
    "load_builtin",
    "load_spec",
    "parse_spec",
    "seeds_list",
    "size_vs_invariance",
]
