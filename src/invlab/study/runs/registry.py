"""The registry of run kinds: one module of :mod:`invlab.study.runs.kinds` per kind.

A run kind says what a run of it does: the models it accepts and their size arguments, how it
executes a :class:`~invlab.study.spec.run_config.RunConfig` into a
:class:`~invlab.study.store.records.RunResult`, and which figures of
:mod:`invlab.study.report` its runs produce. Adding a kind is adding one file to
``invlab/study/runs/kinds/`` that defines a subclass of :class:`RunKind` decorated with
:func:`register`; a spec then names it with ``kind = "NAME"`` in a ``[[models]]`` entry.
Nothing else (spec schema, executors, command line, report) lists the kinds.

Examples:
    >>> from invlab.study.runs import get_kind, list_kinds
    >>> " ".join(list_kinds())
    'ensemble finite kernel learn-dft train train-lie train-shifts train-zoom'
    >>> get_kind("kernel").figures
    ('infinite-width', 'parameterisations', 'ensembles')
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Collection
from typing import ClassVar

from invlab.study.spec.run_config import RunConfig
from invlab.study.store.records import RunResult

_KINDS: dict[str, RunKind] = {}


class RunKind:
    """What one kind of run accepts, does and produces.

    Attributes:
        name: the spec's ``kind``.
        description: one line for documentation and error messages.
        figures: names of :data:`invlab.study.report.gallery.FIGURES` drawn from its runs.
        sized: whether its runs have a parameter count, so that size trends (slope against
            log10 parameters) and the size figure apply.
        extras: whether its runs' ``layers`` rows are named extra values (printed as the
            extras table) rather than per-layer measurements.
        size_table: model name → the size arguments it accepts, for kinds with a fixed list
            (the default :meth:`models` and :meth:`size_arguments` read it).
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    figures: ClassVar[tuple[str, ...]] = ()
    sized: ClassVar[bool] = True
    extras: ClassVar[bool] = False
    size_table: ClassVar[dict[str, tuple[str, ...]]] = {}

    def models(self) -> list[str]:
        """The model names a spec entry of this kind may give."""
        return list(self.size_table)

    def size_arguments(self, model: str, grid: dict) -> Collection[str]:
        """The size arguments ``model`` accepts (``grid``: the entry's grid, for wrappers
        whose arguments depend on a base model)."""
        return self.size_table[model]

    def execute(self, config: RunConfig, device=None) -> RunResult:
        """Run ``config`` on ``device`` (a ``torch.device``; ``None``: the CPU) and return what
        it stores: by default :meth:`run` on the run's dataset with torch's global generator
        seeded by ``config.seed``."""
        import torch

        from invlab.study.runs.common import dataset

        torch.manual_seed(config.seed)
        return self.run(config, dataset(config.dataset), device or torch.device("cpu"))

    def execute_group(self, configs: list[RunConfig], device=None) -> list[RunResult]:
        """Run the seeds ``configs`` of one configuration; a kind that can train them together
        overrides this (default: one after another, as :meth:`execute`)."""
        return [self.execute(config, device) for config in configs]

    def run(self, config: RunConfig, ds, device) -> RunResult:
        """Run ``config`` on the dataset ``ds`` on ``device`` (see :meth:`execute`)."""
        raise NotImplementedError

    def check_fits(self, config: RunConfig, in_shape: tuple[int, ...], num_classes: int) -> None:
        """Raise ``ValueError`` (or ``TypeError``) if the run's model cannot take the data set's
        inputs; called once per configuration before any run starts. Default: no check."""

    def __repr__(self) -> str:
        return f"<run kind {self.name!r}>"


def register(cls: type[RunKind]) -> type[RunKind]:
    """Class decorator: add one instance of ``cls`` to the registry under ``cls.name``."""
    if cls.name in _KINDS and type(_KINDS[cls.name]) is not cls:
        raise ValueError(f"run kind {cls.name!r} is registered twice")
    _KINDS[cls.name] = cls()
    return cls


def _discover() -> None:
    import invlab.study.runs.kinds as kinds

    for module in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"{kinds.__name__}.{module.name}")


def list_kinds() -> list[str]:
    """The registered run kinds, sorted."""
    _discover()
    return sorted(_KINDS)


def get_kind(name: str) -> RunKind:
    """The run kind ``name``.

    Args:
        name: one of :func:`list_kinds`, the ``kind`` of a spec's model entry.

    Raises:
        ValueError: no such kind (the message lists the kinds and the closest name).

    Examples:
        >>> {"train", "kernel", "finite", "learn-dft"} <= set(list_kinds())
        True
        >>> get_kind("train").name
        'train'
    """
    _discover()
    if name not in _KINDS:
        close = difflib.get_close_matches(str(name), _KINDS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"unknown run kind {name!r}; {hint}allowed: {', '.join(sorted(_KINDS))}")
    return _KINDS[name]


def execute_run(config: RunConfig, device=None) -> RunResult:
    """Execute ``config`` with its kind on ``device`` (default the CPU): a pure function of the
    configuration (at a fixed torch thread count and device), whichever process runs it."""
    return get_kind(config.kind).execute(config, device)
