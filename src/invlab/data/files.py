"""Readers for users' own data: the IDX format of MNIST's files and NumPy ``.npz`` archives."""

from __future__ import annotations

import gzip
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch

from invlab.data.dataset import Dataset

# IDX type byte → big-endian NumPy dtype (LeCun's format description).
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class DataFileError(ValueError):
    """A data file is malformed: the message names the file and what is wrong."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``train-images-idx3-ubyte`` and friends; ``.gz`` is decompressed).

    Layout: two zero bytes, a type byte (:data:`IDX_TYPES`), the number of dimensions ``d``,
    then ``d`` big-endian uint32 sizes, then the data, big-endian, row-major.

    Args:
        path: the file.

    Returns:
        An array of the stored shape, in native byte order.

    Raises:
        DataFileError: (a ``ValueError``) on a bad magic number, unknown type, a header or
            data shorter than announced (truncated file) or trailing bytes.

    Examples:
        >>> write_idx("labels.idx", np.arange(10, dtype=np.uint8))
        >>> read_idx("labels.idx").tolist()
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no IDX file at {str(path)!r}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:  # gzip raises these on a damaged archive
        raise DataFileError(f"{path}: cannot read ({err})") from None
    if len(raw) < 4:
        raise DataFileError(f"{path}: {len(raw)} bytes is too short for an IDX header (4 bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise DataFileError(
            f"{path}: not an IDX file: the first two bytes must be 0, got {raw[0]} and "
            f"{raw[1]} (is it compressed without a .gz suffix?)"
        )
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{k:02X}" for k in IDX_TYPES)
        raise DataFileError(f"{path}: unknown IDX data type 0x{type_code:02X}; known: {known}")
    if ndim == 0:
        raise DataFileError(f"{path}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFileError(
            f"{path}: truncated header: {ndim} dimensions need {header} bytes, file has {len(raw)}"
        )
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header
    if actual < expected:
        raise DataFileError(
            f"{path}: truncated: shape {shape} of {dtype.name} needs {expected} data bytes, "
            f"file has {actual}"
        )
    if actual > expected:
        raise DataFileError(
            f"{path}: {actual - expected} unexpected bytes after the data of shape {shape}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (the inverse of :func:`read_idx`)."""
    array = np.asarray(array)
    codes = {v.newbyteorder("="): k for k, v in IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise TypeError(
            f"array must have one of the IDX dtypes {sorted(str(d) for d in codes)}, got "
            f"{array.dtype}"
        )
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"array must have 1 to 255 dimensions, got {array.ndim}")
    header = (
        bytes([0, 0, codes[native], array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    )
    body = array.astype(IDX_TYPES[codes[native]]).tobytes()
    opener = gzip.open if Path(path).suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + body)


def idx_dataset(
    train_images: str | os.PathLike,
    train_labels: str | os.PathLike,
    test_images: str | os.PathLike,
    test_labels: str | os.PathLike,
    *,
    name: str = "idx",
) -> Dataset:
    """A :class:`Dataset` from four IDX files (MNIST, Fashion-MNIST, KMNIST, ... as shipped).

    Images ``(N, H, W)`` become ``(N, 1, H, W)`` float32 (uint8 divided by 255); labels
    ``(N,)`` become int64.

    Examples:
        >>> ds = idx_dataset(  # needs the four files  # doctest: +SKIP
        ...     "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        ...     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", name="mnist")
    """
    parts = {}
    for split, img_path, lab_path in (
        ("train", train_images, train_labels),
        ("test", test_images, test_labels),
    ):
        images, labels = read_idx(img_path), read_idx(lab_path)
        if images.ndim not in (3, 4):
            raise DataFileError(
                f"{img_path}: {split}_images must be (N, H, W) or (N, C, H, W), got shape "
                f"{images.shape}"
            )
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise DataFileError(
                f"{lab_path}: {split}_labels must be (N,) with N = {images.shape[0]} (the "
                f"images' count), got shape {labels.shape}"
            )
        parts[split] = (images[:, None] if images.ndim == 3 else images, labels)
    return _dataset(name, parts)


def npz_dataset(
    path: str | os.PathLike,
    *,
    keys: tuple[str, str, str, str] = ("x_train", "y_train", "x_test", "y_test"),
    name: str | None = None,
    layout: str = "signals",
) -> Dataset:
    """A :class:`Dataset` from an ``.npz`` archive with train/test inputs and labels.

    Inputs may be ``(N, L)`` signals, ``(N, C, H, W)`` images, or rank-3 arrays, which are
    ambiguous: ``layout='signals'`` (default) reads them as ``(N, C, L)`` signals,
    ``layout='images'`` (``npz:images:PATH`` on the command line) as ``(N, H, W)`` images (a
    channel axis is added). A rank-3 array with more than one channel is read with a warning
    that names the layout assumed; saving images as ``(N, 1, H, W)`` removes the ambiguity.
    uint8 inputs are divided by 255. Pickled objects are refused.

    Args:
        path: the ``.npz`` file.
        keys: names of the four arrays in the archive.
        name: the dataset's name (default the file's stem).
        layout: ``'signals'`` or ``'images'``: how to read rank-3 inputs.
    """
    if layout not in ("signals", "images"):
        raise ValueError(
            f"layout must be 'signals' ((N, C, L)) or 'images' ((N, H, W)), got {layout!r}"
        )
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no .npz file at {str(path)!r}")
    if not zipfile.is_zipfile(path):
        # np.load would read the bytes as a pickle and suggest allow_pickle: say what it is
        raise DataFileError(
            f"{path}: not a readable .npz archive (not a zip file; write one with np.savez(path, "
            f"x_train=..., y_train=..., x_test=..., y_test=...))"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in keys if k not in archive.files]
            if missing:
                raise DataFileError(
                    f"{path}: missing array(s) {missing}; the archive has {archive.files} "
                    f"(pass keys=(x_train, y_train, x_test, y_test) to name yours)"
                )
            arrays = [archive[k] for k in keys]
    except DataFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataFileError(f"{path}: not a readable .npz archive ({err})") from None
    parts = {}
    for split, (x, y) in (("train", arrays[:2]), ("test", arrays[2:])):
        if x.ndim < 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise DataFileError(
                f"{path}: {split} inputs must be (N, ...) with labels (N,), got "
                f"{x.shape} and {y.shape}"
            )
        if not np.issubdtype(y.dtype, np.integer):
            raise DataFileError(f"{path}: {split} labels must be integers, got {y.dtype}")
        if x.ndim == 3 and layout == "signals" and x.shape[1] > 1:
            warnings.warn(
                f"{path}: {split} inputs of shape {x.shape} read as (N, C, L) signals "
                f"({x.shape[1]} channels of length {x.shape[2]}); for {x.shape[1]}x"
                f"{x.shape[2]} images pass layout='images' to npz_dataset (npz:images:PATH on "
                f"the command line) or save them as (N, 1, H, W)",
                stacklevel=2,
            )
        if x.ndim == 2 or (x.ndim == 3 and layout == "images"):
            x = x[:, None]  # (N, L) signals and (N, H, W) images get a channel axis
        parts[split] = (x, y)
    return _dataset(name or path.stem, parts)


def _dataset(name: str, parts: dict) -> Dataset:
    tensors = {}
    for split, (x, y) in parts.items():
        scale = 255.0 if x.dtype == np.uint8 else 1.0
        x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32) / scale)
        if x.numel() and not bool(torch.isfinite(x).all()):
            raise DataFileError(f"{name}: {split} inputs contain NaN or infinite values")
        tensors[split] = (x, torch.from_numpy(y.astype(np.int64)))
    if tensors["train"][0].shape[1:] != tensors["test"][0].shape[1:]:
        raise DataFileError(
            f"{name}: train and test inputs differ in shape: "
            f"{tuple(tensors['train'][0].shape[1:])} vs {tuple(tensors['test'][0].shape[1:])}"
        )
    labels = torch.cat([tensors["train"][1], tensors["test"][1]])
    if bool((labels < 0).any()):
        raise DataFileError(f"{name}: labels must be >= 0, got {int(labels.min())}")
    return Dataset(
        name=name,
        x_train=tensors["train"][0],
        y_train=tensors["train"][1],
        x_test=tensors["test"][0],
        y_test=tensors["test"][1],
        num_classes=max(2, int(labels.max()) + 1),
    )
