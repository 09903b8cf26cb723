"""Run kinds: what one run of a study does (train and measure a zoo model, kernel regression,
a finite network in the kernels' parameterisation, learning the DFT, ...), one module each in
:mod:`invlab.study.runs.kinds`, found through :mod:`invlab.study.runs.registry`."""

from invlab.study.runs.registry import RunKind, execute_run, get_kind, list_kinds, register

__all__ = ["RunKind", "execute_run", "get_kind", "list_kinds", "register"]
