"""Texture patches from scikit-image's sample images (shipped in the wheel, no download)."""

from __future__ import annotations

import numpy as np
import torch

from invlab._validation import check_int
from invlab.data.dataset import Dataset

# Sample images that are textures (one class each) and load offline.
TEXTURES = ("brick", "grass", "gravel")
EXTRA_TEXTURES = ("moon", "immunohistochemistry", "hubble_deep_field")


def textures(
    names: tuple[str, ...] = TEXTURES,
    *,
    patch: int = 32,
    per_class: int = 200,
    seed: int = 0,
    test_fraction: float = 0.25,
) -> Dataset:
    """Random square patches of texture images, one class per image.

    Train patches come from the left ``1 − test_fraction`` of each image and test patches
    from the right part, so no test pixel was seen in training. Patches are grey levels in
    ``[0, 1]``, each standardised to zero mean and unit variance (texture, not brightness,
    tells the classes apart). For rotation-invariant texture classification, train on these
    and test on :func:`invlab.data.rotated` patches.

    Args:
        names: scikit-image sample names, from :data:`TEXTURES` and :data:`EXTRA_TEXTURES`.
        patch: patch side in pixels (``8 … 128``).
        per_class: patches per class (train + test).
        seed: seed of the patch positions.
        test_fraction: share of each image's width (and of the patches) held out.

    Returns:
        A :class:`Dataset` ``textures`` with ``x`` of shape ``(N, 1, patch, patch)``.

    Examples:
        >>> ds = textures(patch=32, per_class=20)
        >>> ds.x_train.shape[1:], ds.num_classes
        (torch.Size([1, 32, 32]), 3)
    """
    names = tuple(names)
    allowed = TEXTURES + EXTRA_TEXTURES
    if not names or any(n not in allowed for n in names):
        raise ValueError(f"names must be chosen from {allowed}, got {names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"names must not repeat, got {names!r}")
    check_int(patch, "patch", minimum=8)
    if patch > 128:
        raise ValueError(f"patch must be <= 128 pixels, got {patch}")
    check_int(per_class, "per_class", minimum=2)
    check_int(seed, "seed")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    import skimage.data

    rng = np.random.default_rng(seed)
    n_test = max(1, round(per_class * test_fraction))
    xs = {"train": [], "test": []}
    ys = {"train": [], "test": []}
    for label, name in enumerate(names):
        image = np.asarray(getattr(skimage.data, name)(), dtype=np.float64)
        if image.ndim == 3:
            image = image[..., :3].mean(-1)
        image = image / 255.0
        h, w = image.shape
        split = round(w * (1 - test_fraction))
        for part, count, (c0, c1) in (
            ("train", per_class - n_test, (0, split - patch)),
            ("test", n_test, (split, w - patch)),
        ):
            if c1 < c0 or h < patch:
                raise ValueError(
                    f"patch={patch} does not fit the {part} part of {name!r} ({h}×{w})"
                )
            rows = rng.integers(0, h - patch + 1, count)
            cols = rng.integers(c0, c1 + 1, count)
            for r, c in zip(rows, cols):
                xs[part].append(image[r : r + patch, c : c + patch])
            ys[part].extend([label] * count)

    def tensor(part: str) -> torch.Tensor:
        x = torch.from_numpy(np.stack(xs[part])).float()[:, None]
        x = x - x.mean(dim=(-2, -1), keepdim=True)
        return x / x.std(dim=(-2, -1), keepdim=True).clamp_min(1e-6)

    return Dataset(
        name="textures",
        x_train=tensor("train"),
        y_train=torch.tensor(ys["train"], dtype=torch.int64),
        x_test=tensor("test"),
        y_test=torch.tensor(ys["test"], dtype=torch.int64),
        num_classes=len(names),
    )
