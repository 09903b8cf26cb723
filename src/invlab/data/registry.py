"""Datasets by name, so a study spec or a command line can name one."""

from __future__ import annotations

from collections.abc import Callable

from invlab.data.dataset import Dataset
from invlab.data.digits_sklearn import digits
from invlab.data.mnist1d_generator import mnist1d

_DATASETS: dict[str, Callable[..., Dataset]] = {
    "mnist1d": mnist1d,
    "mnist1d_shift": lambda **kw: mnist1d(translation_only=True, **kw),
    "digits": digits,
}


def register_dataset(name: str, loader: Callable[..., Dataset]) -> None:
    """Make ``load_dataset(name)`` call ``loader``."""
    _DATASETS[name] = loader


def list_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`."""
    return sorted(_DATASETS)


def load_dataset(name: str, **kwargs) -> Dataset:
    """Load a dataset by name (see :func:`list_datasets`)."""
    if name not in _DATASETS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(list_datasets())}")
    return _DATASETS[name](**kwargs)
