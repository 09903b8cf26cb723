"""Datasets are generated locally, cached and shaped as documented."""

import pytest
import torch

from invlab.data import cache_dir, digits, list_datasets, load_dataset, mnist1d


def test_mnist1d_standard_split_and_cache():
    ds = mnist1d()
    assert ds.x_train.shape == (4000, 1, 40) and ds.x_test.shape == (1000, 1, 40)
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert set(ds.y_train.unique().tolist()) == set(range(10))
    assert abs(float(torch.cat([ds.x_train, ds.x_test]).std()) - 1) < 0.01  # generator whitens
    assert list(cache_dir().glob("mnist1d-*.npz"))
    again = mnist1d()  # from the cache: identical
    assert torch.equal(again.x_train, ds.x_train)


def test_translation_only_variant_differs_only_by_translation():
    ds = mnist1d(translation_only=True, num_samples=500)
    # No noise: samples of one class are circular shifts of each other up to the resampling
    # of the generator, so their Fourier moduli are nearly equal within a class.
    spectra = torch.fft.rfft(ds.x_train[:, 0], dim=-1).abs()
    same = [spectra[ds.y_train == c] for c in range(10)]
    within = sum(float((s - s.mean(0)).norm(dim=1).mean()) for s in same) / 10
    between = float((spectra - spectra.mean(0)).norm(dim=1).mean())
    assert within < 0.5 * between


def test_digits():
    ds = digits()
    assert ds.x_train.shape[1:] == (1, 8, 8) and len(ds.x_train) + len(ds.x_test) == 1797
    assert float(ds.x_train.max()) <= 1.0


def test_registry():
    assert {"mnist1d", "mnist1d_shift", "digits"} <= set(list_datasets())
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")
