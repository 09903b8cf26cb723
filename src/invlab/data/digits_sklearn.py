"""scikit-learn's 8×8 handwritten digits (ships inside the wheel, no download)."""

from __future__ import annotations

import numpy as np
import torch

from invlab._validation import check_int, check_positive
from invlab.data.dataset import Dataset


def digits(
    *, test_fraction: float = 0.25, seed: int = 0, size: int | None = None, pad: int = 0
) -> Dataset:
    """The 1797 UCI digits as ``(N, 1, 8, 8)`` images scaled to ``[0, 1]``.

    Args:
        test_fraction: share of samples held out for testing (stratified by label).
        seed: seed of the split.
        size: if given, bilinear upsampling to ``(N, 1, size, size)`` (``size >= 8``), room
            for rotations and zooms; ``None`` keeps the original 8×8.
        pad: zero border of ``pad`` pixels on every side (after upsampling), so that
            rotations keep the corners: ``pad=2`` puts the 8×8 digits in a 12×12 frame, whose
            inscribed disc holds the whole digit (its diagonal is 11.3 pixels).

    Examples:
        >>> ds = digits()
        >>> ds.x_train.shape[1:]
        torch.Size([1, 8, 8])
    """
    check_positive(test_fraction, "test_fraction")
    if size is not None:
        check_int(size, "size", minimum=8)
    check_int(pad, "pad", minimum=0)
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    if size is not None and size != 8:
        up = torch.nn.functional.interpolate(
            torch.from_numpy(x), size=(size, size), mode="bilinear", align_corners=False
        )
        x = up.clamp(0.0, 1.0).numpy()
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return Dataset(
        name=("digits" if size is None else f"digits{size}") + (f"_pad{pad}" if pad else ""),
        x_train=torch.from_numpy(x_tr),
        y_train=torch.from_numpy(y_tr),
        x_test=torch.from_numpy(x_te),
        y_test=torch.from_numpy(y_te),
        num_classes=10,
    )
