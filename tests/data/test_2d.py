"""2D data: upsampled digits, rendered glyphs, texture patches, rotated/scaled variants, and
the IDX / .npz readers with their errors."""

import gzip

import numpy as np
import pytest
import torch

from invlab.data import (
    DataFileError,
    digits,
    glyph_digits,
    idx_dataset,
    list_datasets,
    load_dataset,
    npz_dataset,
    read_idx,
    rotated,
    scaled,
    textures,
    write_idx,
)


def test_digits_size_upsamples_and_default_is_unchanged():
    base = digits()
    assert base.x_train.shape[1:] == (1, 8, 8) and base.name == "digits"
    big = digits(size=32)
    assert big.x_train.shape[1:] == (1, 32, 32)
    assert torch.equal(big.y_train, base.y_train)
    # Bilinear upsampling keeps the mean brightness and the [0, 1] range.
    assert abs(float(big.x_train.mean() - base.x_train.mean())) < 0.02
    assert float(big.x_train.min()) >= 0 and float(big.x_train.max()) <= 1
    with pytest.raises(ValueError, match="size"):
        digits(size=4)


def test_glyph_digits_are_reproducible_and_controllable():
    a = glyph_digits(60, size=20, seed=3)
    b = glyph_digits(60, size=20, seed=3)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert a.x_train.shape == (48, 1, 20, 20) and a.x_test.shape == (12, 1, 20, 20)
    assert float(a.x_train.min()) >= 0 and float(a.x_train.max()) <= 1
    assert set(torch.cat([a.y_train, a.y_test]).tolist()) <= set(range(10))
    # All variation off: every sample of a class in one font is the same image.
    clean = glyph_digits(
        40,
        size=20,
        fonts=("DejaVuSans.ttf",),
        stroke=(0, 0),
        slant=(0, 0),
        height=(0.7, 0.7),
        elastic=0.0,
    )
    x = torch.cat([clean.x_train, clean.x_test])
    y = torch.cat([clean.y_train, clean.y_test])
    for c in y.unique():
        group = x[y == c]
        assert torch.equal(group, group[:1].expand_as(group))
    # Distinct digits differ, and the hole of a 0 is empty (even-odd fill).
    zero = x[y == 0][0, 0]
    assert float(zero[10, 10]) < 0.1 and float(zero.max()) > 0.9


def test_glyph_digits_bad_arguments():
    with pytest.raises(ValueError, match="fonts"):
        glyph_digits(20, fonts=("NoSuchFont.ttf",))
    with pytest.raises(ValueError, match="stroke"):
        glyph_digits(20, stroke=(2, 1))
    with pytest.raises(ValueError, match="elastic"):
        glyph_digits(20, elastic=-1.0)


def test_textures_are_standardised_patches_with_disjoint_regions():
    ds = textures(patch=24, per_class=12, seed=0)
    assert ds.num_classes == 3 and ds.x_train.shape[1:] == (1, 24, 24)
    assert ds.x_train.shape[0] == 27 and ds.x_test.shape[0] == 9
    assert torch.allclose(ds.x_train.mean(dim=(-2, -1)), torch.zeros(27, 1), atol=1e-5)
    with pytest.raises(ValueError, match="names"):
        textures(("brick", "wood"))
    with pytest.raises(ValueError, match="patch"):
        textures(patch=512)


def test_rotated_and_scaled_variants_are_seeded():
    base = digits(size=16)
    r1, r2 = rotated(base, seed=1), rotated(base, seed=1)
    assert r1.name == "digits16_rot" and torch.equal(r1.x_test, r2.x_test)
    assert not torch.equal(r1.x_test, base.x_test)
    assert torch.equal(r1.y_test, base.y_test)
    only_test = rotated(base, splits="test")
    assert torch.equal(only_test.x_train, base.x_train)
    s = scaled(base, (0.5, 0.9))
    # Shrinking moves ink away from the border towards the centre.
    assert float(s.x_test[..., 0, :].abs().sum()) <= float(base.x_test[..., 0, :].abs().sum())
    with pytest.raises(ValueError, match="scale_range"):
        scaled(base, (0.0, 1.0))
    with pytest.raises(ValueError, match="dataset must hold images"):
        rotated(load_dataset("mnist1d", num_samples=100))


def test_registry_names():
    names = list_datasets()
    for name in ("glyph_digits", "glyph_digits_rot", "glyph_digits_scale", "textures"):
        assert name in names
    ds = load_dataset("glyph_digits_rot", n=20, size=16)
    assert ds.name == "glyph_digits_rot" and ds.x_train.shape[-2:] == (16, 16)


# -- IDX and .npz ------------------------------------------------------------------------


def _mnist_like(tmp_path, gz=False):
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    paths = []
    for split, n in (("train", 12), ("test", 5)):
        img = tmp_path / f"{split}-images-idx3-ubyte{suffix}"
        lab = tmp_path / f"{split}-labels-idx1-ubyte{suffix}"
        write_idx(img, rng.integers(0, 256, (n, 6, 7), dtype=np.uint8))
        write_idx(lab, rng.integers(0, 10, n, dtype=np.uint8))
        paths += [img, lab]
    return paths


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip_and_dataset(tmp_path, gz):
    paths = _mnist_like(tmp_path, gz)
    ds = idx_dataset(*paths, name="mine")
    assert ds.x_train.shape == (12, 1, 6, 7) and ds.x_test.shape == (5, 1, 6, 7)
    assert ds.x_train.dtype == torch.float32 and float(ds.x_train.max()) <= 1
    assert ds.y_train.dtype == torch.int64
    for dtype in (np.int16, np.int32, np.float32, np.float64, np.int8):
        a = np.arange(24, dtype=dtype).reshape(2, 3, 4)
        write_idx(tmp_path / "a.idx", a)
        back = read_idx(tmp_path / "a.idx")
        assert back.dtype == a.dtype and np.array_equal(back, a)


def test_idx_malformed_files_raise_clear_errors(tmp_path):
    good = tmp_path / "good.idx"
    write_idx(good, np.zeros((4, 3, 3), dtype=np.uint8))
    raw = good.read_bytes()
    cases = {
        "magic": (b"\x01\x00" + raw[2:], "first two bytes must be 0"),
        "type": (raw[:2] + b"\x07" + raw[3:], "unknown IDX data type 0x07"),
        "header": (raw[:9], "truncated header"),
        "short": (raw[:2], "too short"),
        "data": (raw[:-5], "truncated: shape"),
        "trailing": (raw + b"\x00", "unexpected bytes"),
        "ndim": (raw[:3] + b"\x00", "0 dimensions"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.idx"
        path.write_bytes(content)
        with pytest.raises(DataFileError, match=message):
            read_idx(path)
    assert issubclass(DataFileError, ValueError)
    broken_gz = tmp_path / "broken.idx.gz"
    broken_gz.write_bytes(gzip.compress(raw)[:-12])
    with pytest.raises(DataFileError):
        read_idx(broken_gz)
    with pytest.raises(FileNotFoundError, match="no IDX file"):
        read_idx(tmp_path / "missing.idx")


def test_idx_dataset_checks_labels_match_images(tmp_path):
    paths = _mnist_like(tmp_path)
    write_idx(paths[1], np.zeros(11, dtype=np.uint8))  # 11 labels for 12 images
    with pytest.raises(DataFileError, match="train_labels must be"):
        idx_dataset(*paths)


def test_npz_dataset(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "sig.npz"
    np.savez(
        path,
        x_train=rng.standard_normal((10, 40)),
        y_train=rng.integers(0, 3, 10),
        x_test=rng.standard_normal((4, 40)),
        y_test=np.array([0, 1, 2, 2]),
    )
    ds = npz_dataset(path)
    assert ds.name == "sig" and ds.in_shape == (1, 40) and ds.num_classes == 3
    images = tmp_path / "img.npz"
    np.savez(
        images,
        a=np.zeros((3, 8, 8), np.uint8),
        b=np.arange(3),
        c=np.zeros((2, 8, 8)),
        d=np.arange(2),
    )
    # rank-3 arrays are signals unless told otherwise
    with pytest.warns(UserWarning, match=r"read as \(N, C, L\) signals.*layout='images'"):
        assert npz_dataset(images, keys=("a", "b", "c", "d")).in_shape == (8, 8)
    read = npz_dataset(images, keys=("a", "b", "c", "d"), layout="images")
    assert read.in_shape == (1, 8, 8)
    with pytest.raises(DataFileError, match="missing array"):
        npz_dataset(images)
    bad = tmp_path / "bad.npz"
    np.savez(
        bad,
        x_train=np.zeros((3, 4)),
        y_train=np.zeros(2, int),
        x_test=np.zeros((1, 4)),
        y_test=np.zeros(1, int),
    )
    with pytest.raises(DataFileError, match="train inputs must be"):
        npz_dataset(bad)
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataFileError, match="not a readable"):
        npz_dataset(truncated)
