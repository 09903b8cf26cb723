"""Datasets from short text specs: ``mnist1d``, ``digits``, ``npz:PATH``, ``idx:PATH``."""

from __future__ import annotations

import importlib
from pathlib import Path

from invlab.data.dataset import Dataset
from invlab.data.registry import list_datasets, load_dataset


def parse_data(spec: str) -> Dataset:
    """Load the dataset that ``spec`` names.

    Args:
        spec: a registered name (:func:`invlab.data.list_datasets`: ``mnist1d``, ``digits``,
            ...), ``npz:PATH`` (arrays ``x``, ``y`` and optionally ``x_test``, ``y_test``) or
            ``idx:PATH`` (MNIST's IDX format).

    Examples:
        >>> parse_data("digits").in_shape
        (1, 8, 8)
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"data spec must be a non-empty str, got {spec!r}")
    kind, sep, rest = spec.partition(":")
    if not sep:
        if spec not in list_datasets():
            raise ValueError(
                f"unknown data {spec!r}; use one of {', '.join(list_datasets())}, npz:PATH or "
                f"idx:PATH"
            )
        return load_dataset(spec)
    if kind not in ("npz", "idx"):
        raise ValueError(f"unknown data kind {kind!r} in {spec!r}; use npz:PATH or idx:PATH")
    path = Path(rest).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"data file {str(path)!r} (from {spec!r}) does not exist")
    try:
        files = importlib.import_module("invlab.data.files")
        reader = getattr(files, f"load_{kind}")
    except (ImportError, AttributeError):
        raise ValueError(
            f"reading {kind} files needs invlab.data.files.load_{kind}, which this version of "
            f"invlab does not have yet; use mnist1d or digits"
        ) from None
    return reader(path)
