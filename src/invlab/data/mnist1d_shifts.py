"""MNIST-1D's own shifts: the test set regenerated with the generator's translation set to each
shift of a grid, every other random draw of every sample unchanged.

``mnist1d.data.make_dataset`` builds a sample as::

    x = subsample₄₀( shear( noise( roll( scale · dilate₇₂( pad(template) ), k ) ) ) )

with ``k`` drawn uniformly in ``[0, max_translation)`` on the 72-sample dilated signal, the
ramp (``shear``) and the correlated noise added *after* the translation. A circular roll of a
finished sample therefore moves the ramp and the noise with it, leaving a jump that no sample
of the generator has. :func:`generator_shifted_test` replays the generator's random stream
exactly (the same seed, the same draws in the same order) and replaces only ``k`` by

    k(s) = centre + round(s · 71/39)

for a shift ``s`` in final samples (the 72-sample signal is subsampled to 40 by linear
interpolation on ``linspace(0, 1, ·)``, so one final sample is 71/39 pre-samples). With the
default centre (24) every shift in ``[-13, 13]`` keeps ``k`` inside the generator's own range
``[0, 48)``: each variant is a sample the generator could have drawn, and two variants of one
sample differ only by their translation. The variants are standardised with the published
set's mean and standard deviation, so ``translation=None`` reproduces ``mnist1d()`` exactly.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch

from invlab._validation import check_int
from invlab.data.cache import cache_dir, cached_arrays

PRE_PER_FINAL = 71 / 39
"""Pre-samples (of the 72-sample dilated signal) per final sample (of 40)."""
CENTRE = 24
"""The translation, in pre-samples, of the grid's shift 0 (middle of the range [0, 48))."""


def generator_translation(shift: float, centre: int = CENTRE) -> int:
    """The generator's translation ``k`` (pre-samples) for a shift of ``shift`` final samples.

    Examples:
        >>> generator_translation(0), generator_translation(5), generator_translation(-10)
        (24, 33, 6)
    """
    return int(centre + round(float(shift) * PRE_PER_FINAL))


def generator_shifted_test(
    shifts, *, num_samples: int = 5000, seed: int = 42, cache: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST-1D's test signals regenerated at each shift of ``shifts`` (see the module
    docstring): the same templates, padding, scale, noise and ramp, only the translation set.

    Args:
        shifts: shifts in final samples, e.g. ``[-10, -5, 0, 5, 10]``; each translation
            ``k(s)`` must lie in the generator's range ``[0, 48)`` (|s| <= 13).
        num_samples, seed: as :func:`invlab.data.mnist1d` (the test split is its last 20 %).
        cache: keep the generated arrays in :func:`invlab.data.cache_dir`.

    Returns:
        ``(x, y)``: ``x`` of shape ``(len(shifts), N_test, 1, 40)`` float32 (shift outermost),
        ``y`` the ``N_test`` labels (those of ``mnist1d().y_test``).

    Raises:
        ValueError: an empty ``shifts``, a non-finite shift or one outside the generator's range.

    Examples:
        The published test set at shifts -5, 0 and 5 (generated once, then cached)::

            x, y = generator_shifted_test([-5, 0, 5])
            x.shape, y.shape  # (torch.Size([3, 1000, 1, 40]), torch.Size([1000]))
    """
    check_int(num_samples, "num_samples", minimum=10)
    check_int(seed, "seed")
    values = [float(s) for s in np.asarray(shifts, dtype=float).reshape(-1)]
    if not values or not all(np.isfinite(values)):
        raise ValueError(f"shifts must be a non-empty list of finite numbers, got {shifts!r}")
    translations = [generator_translation(s) for s in values]
    bad = [s for s, k in zip(values, translations) if not 0 <= k < 48]
    if bad:
        raise ValueError(
            f"shifts {bad} put the generator's translation outside its range [0, 48) "
            f"(pre-samples, centre {CENTRE}); use shifts within [-13, 13] final samples"
        )
    key = json.dumps({"n": num_samples, "seed": seed, "k": translations})
    path = cache_dir() / f"mnist1d_genshift-{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz"

    def generate() -> dict[str, np.ndarray]:
        own, y = replay(num_samples, seed, None)
        mean, sd = own.mean(), own.std()  # the published set's standardisation
        split = int(len(y) * 0.8)
        x = [(replay(num_samples, seed, k)[0][split:] - mean) / sd for k in translations]
        return {"x": np.stack(x).astype(np.float32), "y": y[split:]}

    arrays = cached_arrays(path, generate, cache)
    x = torch.from_numpy(arrays["x"]).float().unsqueeze(2)
    return x, torch.from_numpy(arrays["y"]).long()


def replay(num_samples: int, seed: int, translation: int | None, overrides: dict | None = None):
    """The generator's unstandardised, shuffled signals ``(N, 40)`` and labels, every sample
    translated by ``translation`` pre-samples (``None``: by its own random draw, as
    ``make_dataset`` does). The random stream is consumed exactly as ``make_dataset`` does, so
    every other draw is the same whatever ``translation`` is. ``overrides``: generator
    arguments to change (e.g. ``invlab.data.mnist1d_generator.TRANSLATION_ONLY``)."""
    from mnist1d.data import get_dataset_args, get_templates
    from mnist1d.transform import corr_noise_like, iid_noise_like, interpolate, pad, shear

    args = get_dataset_args()
    args.num_samples, args.seed = num_samples, seed
    for name, value in (overrides or {}).items():
        setattr(args, name, value)
    templates = get_templates()
    state = np.random.get_state()  # noqa: NPY002 (the generator seeds the global generator)
    try:
        np.random.seed(seed)  # noqa: NPY002
        xs, ys = [], []
        per_class = num_samples // len(templates["y"])
        for label in range(len(templates["y"])):
            for _ in range(per_class):
                x = pad(templates["x"][label] + 1e-8, args.padding)
                x = interpolate(x, args.template_len + args.padding[-1])
                x = x * (1 + args.scale_coeff * (np.random.rand() - 0.5))  # noqa: NPY002
                drawn = np.random.choice(args.max_translation)  # noqa: NPY002
                x = np.roll(x, drawn if translation is None else translation)
                mask = x != 0
                x = mask * x + (1 - mask) * corr_noise_like(x, args.corr_noise_scale)
                x = x + iid_noise_like(x, args.iid_noise_scale)
                xs.append(interpolate(shear(x, args.shear_scale), args.final_seq_length))
                ys.append(templates["y"][label])
        order = np.random.permutation(len(ys))  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return np.stack(xs)[order], np.asarray(ys)[order]
