"""Rendered digits: deterministic, balanced, the same glyph at every resolution and scale."""

import numpy as np
import pytest
import torch
from skimage.draw import polygon as skimage_polygon

from invlab.data import list_datasets, load_dataset
from invlab.data.fonts import FONTS, _even_odd_fill, digit_outlines, rasterise
from invlab.data.rendered import glyph_params, render_glyphs, rendered_digits


def _images(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).float()[:, None] / 255


def test_same_seed_same_bytes_other_seed_other_images():
    a = rendered_digits(40, 12, size=20, seed=3, cache=False)
    b = rendered_digits(40, 12, size=20, seed=3, cache=False)
    c = rendered_digits(40, 12, size=20, seed=4, cache=False)
    assert a.x_train.numpy().tobytes() == b.x_train.numpy().tobytes()
    assert torch.equal(a.x_test, b.x_test) and torch.equal(a.y_train, b.y_train)
    assert (a.x_train - c.x_train).abs().mean() > 0.05


def test_test_split_does_not_depend_on_the_training_size():
    small = rendered_digits(20, 15, size=16, cache=False)
    large = rendered_digits(60, 15, size=16, cache=False)
    assert torch.equal(small.x_test, large.x_test)
    assert torch.equal(small.y_test, large.y_test)


def test_cache_round_trip_gives_the_generated_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("INVLAB_CACHE", str(tmp_path))
    fresh = rendered_digits(30, 10, size=16, seed=2, cache=True)
    (cached_file,) = tmp_path.glob("rendered_digits-*.npz")
    again = rendered_digits(30, 10, size=16, seed=2, cache=True)
    assert torch.equal(fresh.x_train, again.x_train) and torch.equal(fresh.y_test, again.y_test)
    other = rendered_digits(30, 10, size=16, seed=2, cache=True, elastic=0.0)
    assert len(list(tmp_path.glob("rendered_digits-*.npz"))) == 2  # options are in the key
    assert not torch.equal(other.x_train, fresh.x_train)
    cached_file.write_bytes(b"damaged")
    assert torch.equal(rendered_digits(30, 10, size=16, seed=2).x_train, fresh.x_train)


def test_shapes_dtypes_and_ranges():
    ds = rendered_digits(50, 20, size=28, cache=False)
    assert ds.x_train.shape == (50, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert ds.x_train.min() == 0 and ds.x_train.max() == 1  # background black, strokes white
    levels = ds.x_train * 255
    assert torch.equal(levels, levels.round())  # 8-bit levels, like MNIST's files
    assert ds.y_train.min() >= 0 and ds.y_train.max() < ds.num_classes == 10
    # every image holds a glyph that does not touch the border (nothing cut off)
    assert bool((ds.x_train.sum((1, 2, 3)) > 10).all())
    border = torch.cat([ds.x_train[..., 0, :], ds.x_train[..., -1, :]], -1)
    assert border.max() == 0
    assert ds.name == "rendered_digits28"


@pytest.mark.parametrize("classes, k", [("all", 10), ("no9", 9), ("merge69", 9)])
def test_classes_are_balanced(classes, k):
    p = glyph_params(103, seed=1, classes=classes)
    counts = np.bincount(p.label, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1


def test_six_and_nine_options():
    no9 = glyph_params(90, seed=0, classes="no9")
    assert 9 not in no9.digit and np.array_equal(no9.label, no9.digit)
    merged = glyph_params(400, seed=0, classes="merge69")
    assert set(merged.digit[merged.label == 6]) == {6, 9}  # one label, both glyphs
    rest = merged.label != 6
    assert np.array_equal(merged.label[rest], merged.digit[rest]) and merged.label.max() == 8
    ds = rendered_digits(30, 10, size=16, classes="no9", cache=False)
    assert ds.num_classes == 9 and ds.name == "rendered_digits16_no9"


def test_same_glyph_at_every_resolution():
    # 48 px block-averaged 3×3 and 40 px area-averaged to 16 px are within 0.03 / 0.05 mean
    # absolute difference per image of the 16 px rendering; another sample is >= 3× further.
    p = glyph_params(60, seed=5)
    low = _images(render_glyphs(p, 16))
    for size, tol in ((48, 0.03), (40, 0.05)):
        high = torch.nn.functional.interpolate(_images(render_glyphs(p, size)), 16, mode="area")
        err = (high - low).abs().mean((1, 2, 3))
        other = (high.roll(1, 0) - low).abs().mean((1, 2, 3))
        assert err.max() < tol, (size, err.max())
        assert other.mean() > 3 * err.mean()


def _bbox(x: np.ndarray) -> np.ndarray:
    """(height, width) of the pixels with any coverage."""
    out = []
    for im in x:
        rows, cols = np.flatnonzero(im.any(1)), np.flatnonzero(im.any(0))
        out.append((rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))
    return np.array(out, dtype=float)


@pytest.mark.parametrize("scale", [0.5, 0.75, 1.5, 2.0])
def test_rendered_scale_scales_the_bounding_box(scale):
    # A covered-pixel box overshoots the outline's box by [0, 2) px on each axis, so
    # b_s − s·b_1 lies in (−2s, 2); 0.5 px more for the stroke's supersampled quantisation.
    p = glyph_params(40, seed=7, height=(0.3, 0.4))
    base = _bbox(render_glyphs(p, 64))
    image = render_glyphs(p, 64, scale)
    err = _bbox(image) - scale * base
    assert err.min() > -2 * scale - 0.5 and err.max() < 2.5, (err.min(), err.max())
    assert image[:, [0, -1]].max() == 0 and image[:, :, [0, -1]].max() == 0  # not cut


def test_fill_equals_scikit_image_polygon_xor():
    p = glyph_params(30, seed=3)
    big = 96
    for i in range(len(p)):
        polygons = [0.5 + 0.6 * q for q in digit_outlines(p.fonts[p.font[i]])[p.digit[i]]]
        reference = np.zeros((big, big), dtype=bool)
        for q in polygons:
            rows, cols = skimage_polygon(q[:, 1] * big - 0.5, q[:, 0] * big - 0.5, (big, big))
            reference[rows, cols] ^= True
        assert np.array_equal(_even_odd_fill(polygons, big), reference)


def test_stroke_change_thickens_and_thins():
    square = [np.array([[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7]])]
    plain = rasterise(square, 20, 0.0)
    assert plain.sum() == pytest.approx(64, abs=0.5)  # 8 × 8 pixels
    assert rasterise(square, 20, 1.0).sum() == pytest.approx(100, abs=1.5)  # 10 × 10
    assert rasterise(square, 20, -1.0).sum() == pytest.approx(36, abs=1.5)  # 6 × 6


def test_every_font_has_ten_unit_height_digits():
    for font in FONTS:
        for polygons in digit_outlines(font):
            verts = np.concatenate(polygons)
            assert verts[:, 1].max() - verts[:, 1].min() == pytest.approx(1.0)


def test_registered_names():
    names = set(list_datasets())
    for size in (16, 28, 40):
        assert {f"rendered_digits{size}", f"rendered_digits{size}_no9"} <= names
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("rendered_digits12")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"classes": "odd"}, ValueError, "classes must be one of"),
        ({"size": 7}, ValueError, "size must be >= 8"),
        ({"size": 16.0}, TypeError, "size must be an int"),
        ({"n_train": 0}, ValueError, "n_train must be >= 1"),
        ({"scale": 0}, ValueError, "scale must be a finite number > 0"),
        ({"scale": 2.0}, ValueError, "scale=2.0 makes glyphs"),
        ({"fonts": ("Nope.ttf",)}, ValueError, "no font 'Nope.ttf'"),
        ({"fonts": ()}, ValueError, "fonts must name at least one"),
        ({"height": (0.5, 1.2)}, ValueError, "height must be fractions"),
        ({"shift": 0.6}, ValueError, "shift must be < 0.5"),
        ({"stroke": (-0.2, 0.0)}, ValueError, "stroke must be > -0.05"),
        ({"elastic": -1}, ValueError, "elastic must be a finite number >= 0"),
        ({"blur": 1}, TypeError, "unknown argument"),
    ],
)
def test_bad_input_is_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        rendered_digits(**{"n_train": 10, "n_test": 10, "size": 16, "cache": False, **kwargs})


def test_render_glyphs_refuses_other_parameters():
    with pytest.raises(TypeError, match="params must be a GlyphParams"):
        render_glyphs({"digit": [1]}, 16)


@pytest.mark.parametrize("name", ["invlab.data.fonts", "invlab.data.rendered"])
def test_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
