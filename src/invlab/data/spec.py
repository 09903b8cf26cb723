"""Datasets from short text specs: ``mnist1d``, ``digits``, ``npz:PATH``, ``idx:PATH``."""

from __future__ import annotations

from pathlib import Path

from invlab.data.dataset import Dataset
from invlab.data.registry import list_datasets, load_dataset


def parse_data(spec: str) -> Dataset:
    """Load the dataset that ``spec`` names.

    Args:
        spec: a registered name (:func:`invlab.data.list_datasets`: ``mnist1d``, ``digits``,
            ...), ``npz:PATH`` (arrays ``x_train, y_train, x_test, y_test``; a 3D input array
            is read as ``(N, C, L)`` signals; ``npz:images:PATH`` reads it as ``(N, H, W)``
            images, ``npz:signals:PATH`` says signals explicitly) or
            ``idx:FOLDER`` (the four MNIST IDX files in it) or ``idx:A,B,C,D`` (train images,
            train labels, test images, test labels).

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
    from invlab.data import files

    if kind == "npz":
        layout, sep, after = rest.partition(":")
        layout, rest = (layout, after) if sep and layout in ("images", "signals") else ("", rest)
        path = Path(rest).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"data file {str(path)!r} (from {spec!r}) does not exist")
        return files.npz_dataset(path, layout=layout or "signals")
    return files.idx_dataset(*_idx_files(rest, spec))


def _idx_files(rest: str, spec: str) -> list[Path]:
    """Four IDX files: ``a,b,c,d`` (train images, train labels, test images, test labels) or
    a folder holding MNIST's names (``train-images-idx3-ubyte[.gz]``, ``t10k-...``)."""
    if "," in rest:
        paths = [Path(p).expanduser() for p in rest.split(",")]
        if len(paths) != 4:
            raise ValueError(
                f"idx:A,B,C,D needs 4 files (train images, train labels, test images, test "
                f"labels), got {len(paths)} in {spec!r}"
            )
    else:
        folder = Path(rest).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(
                f"idx:PATH needs a folder with the four MNIST IDX files or idx:A,B,C,D; "
                f"{str(folder)!r} is not a folder"
            )
        paths = []
        for stems in (("train-images",), ("train-labels",), ("t10k-images", "test-images"),
                      ("t10k-labels", "test-labels")):  # fmt: skip
            found = sorted(p for p in folder.iterdir() if p.name.startswith(stems))
            if not found:
                raise FileNotFoundError(f"no {stems[0]}* file in {str(folder)!r}")
            paths.append(found[0])
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"data file {str(p)!r} (from {spec!r}) does not exist")
    return paths
