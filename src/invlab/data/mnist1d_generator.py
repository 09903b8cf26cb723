"""MNIST-1D (Greydanus 2020), generated locally with the ``mnist1d`` package.

Only ``mnist1d.data.make_dataset`` is used: the package's ``get_dataset`` tries to download a
pickle, which fails offline and would run untrusted unpickling.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch

from invlab._validation import check_int
from invlab.data.cache import cache_dir, cached_arrays
from invlab.data.dataset import Dataset

# The generator's knobs with everything but translation switched off: fixed dilation (padding
# 48 of 36-60), no amplitude scaling, no correlated or white noise, no shear.
TRANSLATION_ONLY = {
    "padding": [48, 48],
    "scale_coeff": 0.0,
    "corr_noise_scale": 0.0,
    "iid_noise_scale": 0.0,
    "shear_scale": 0.0,
}


def mnist1d(
    *, num_samples: int = 5000, seed: int = 42, translation_only: bool = False, cache: bool = True
) -> Dataset:
    """MNIST-1D: 10 classes of length-40 signals, the standard 4000/1000 split by default.

    Args:
        num_samples: total number of samples (80 % train, 20 % test).
        seed: the generator's seed (42 is the published dataset's).
        translation_only: only random translation, no scaling, noise or shear: a controlled
            set on which shift invariance is all a model needs.
        cache: keep the generated arrays in :func:`invlab.data.cache_dir` as ``.npz``.

    Returns:
        A :class:`Dataset` with ``x`` of shape ``(N, 1, 40)`` float32 and int64 labels.

    Examples:
        >>> ds = mnist1d()
        >>> ds.x_train.shape, ds.x_test.shape
        (torch.Size([4000, 1, 40]), torch.Size([1000, 1, 40]))
    """
    check_int(num_samples, "num_samples", minimum=10)
    check_int(seed, "seed")
    overrides = dict(TRANSLATION_ONLY) if translation_only else {}
    overrides.update(num_samples=num_samples, seed=seed)
    name = "mnist1d_shift" if translation_only else "mnist1d"

    key = hashlib.sha1(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / f"{name}-{key}.npz"
    arrays = cached_arrays(path, lambda: _generate(overrides), cache)

    return Dataset(
        name=name,
        x_train=torch.from_numpy(arrays["x"]).float().unsqueeze(1),
        y_train=torch.from_numpy(arrays["y"]).long(),
        x_test=torch.from_numpy(arrays["x_test"]).float().unsqueeze(1),
        y_test=torch.from_numpy(arrays["y_test"]).long(),
        num_classes=10,
    )


def _generate(overrides: dict) -> dict[str, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset
    from mnist1d.utils import ObjectView

    args = get_dataset_args(as_dict=True)
    args.update(overrides)
    state = np.random.get_state()  # noqa: NPY002 (make_dataset seeds the global generator)
    try:
        data = make_dataset(ObjectView(args))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return {k: np.asarray(data[k]) for k in ("x", "y", "x_test", "y_test")}
