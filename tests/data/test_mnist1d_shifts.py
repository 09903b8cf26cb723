"""MNIST-1D's own shifts: the test set regenerated with the generator's translation set."""

from __future__ import annotations

import numpy as np
import pytest

from invlab.data import mnist1d
from invlab.data.mnist1d_generator import TRANSLATION_ONLY
from invlab.data.mnist1d_shifts import generator_shifted_test, generator_translation, replay


def test_replay_reproduces_the_published_set_exactly():
    ds = mnist1d()
    own, y = replay(5000, 42, None)
    standardised = ((own - own.mean()) / own.std()).astype(np.float32)
    np.testing.assert_array_equal(standardised[4000:], ds.x_test[:, 0].numpy())
    np.testing.assert_array_equal(y[4000:], ds.y_test.numpy())


def _correlation(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    u, v = u - u.mean(1, keepdims=True), v - v.mean(1, keepdims=True)
    return (u * v).sum(1) / np.sqrt((u * u).sum(1) * (v * v).sum(1))


def test_a_generator_shift_moves_the_template_by_that_many_samples():
    """Without noise, scaling and ramp, the translation is all that changes: shift 5 is the
    shift-0 signal rolled by 5 final samples (up to the 72 → 40 interpolation)."""
    quiet = {k: v for k, v in TRANSLATION_ONLY.items() if k != "padding"}
    at_0, _ = replay(500, 42, generator_translation(0), quiet)
    at_5, _ = replay(500, 42, generator_translation(5), quiet)
    lags = np.arange(-8, 9)
    best = lags[np.argmax([_correlation(np.roll(at_0, s, 1), at_5) for s in lags], axis=0)]
    assert (best == 5).all()
    assert np.median(_correlation(np.roll(at_0, 5, 1), at_5)) > 0.99


def test_generator_shifts_leave_no_seam_where_a_circular_roll_does():
    """The ramp and the noise are added after the translation, so a generator-shifted signal
    is as smooth everywhere as an unshifted one; rolling a finished signal by 5 puts its two
    ends side by side at index 5."""
    x, y = generator_shifted_test([0, 5])
    assert x.shape == (2, 1000, 1, 40) and (y == mnist1d().y_test).all()
    unshifted, shifted = x[0, :, 0].numpy(), x[1, :, 0].numpy()
    assert not np.allclose(unshifted, shifted)
    typical = np.abs(np.diff(shifted, axis=1)).mean()
    rolled = np.roll(unshifted, 5, axis=1)
    assert np.abs(rolled[:, 5] - rolled[:, 4]).mean() > 2.5 * typical
    assert np.abs(shifted[:, 5] - shifted[:, 4]).mean() < 1.5 * typical


def test_bad_shifts_are_refused():
    with pytest.raises(ValueError, match=r"outside its range \[0, 48\)"):
        generator_shifted_test([0, 20])
    with pytest.raises(ValueError, match="non-empty list of finite numbers"):
        generator_shifted_test([])
    with pytest.raises(ValueError, match="non-empty list of finite numbers"):
        generator_shifted_test([float("nan")])
