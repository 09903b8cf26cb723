"""Text specs of transformations: every kind parses, image kinds default to 2D."""

import pytest
import torch

from invlab.transforms import Compose, Deform, Flip, Rotate, Rotate90, Scale, Shift
from invlab.transforms.spec import KINDS, parse_transform


@pytest.mark.parametrize(
    "spec, cls",
    [
        ("shift:-3:3", Shift),
        ("rotate:-45:45", Rotate),
        ("scale:0.7:1.4", Scale),
        ("rotate90", Rotate90),
        ("flip", Flip),
        ("deform:1.5", Deform),
    ],
)
def test_every_kind_parses_to_its_class(spec, cls):
    assert spec.split(":")[0] in KINDS
    t = parse_transform(spec, 2)
    assert type(t) is cls
    x = torch.randn(2, 1, 8, 8)
    assert t.apply(x, t.sample(2, torch.Generator().manual_seed(0))).shape == x.shape


def test_flip_and_deform_arguments():
    assert parse_transform("flip").axis == "horizontal"
    assert parse_transform("flip:vertical").axis == "vertical"
    assert parse_transform("deform:2.5").amplitude == 2.5
    for bad, message in [
        ("flip:diagonal", "axis must be one of"),
        ("flip:vertical:1", "flip takes at most an axis"),
        ("deform", "deform needs deform:amplitude"),
        ("deform:big", "deform amplitude must be"),
        ("rotate90:1", "rotate90 takes no range"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_transform(bad)


@pytest.mark.parametrize("spec", ["rotate:-45:45", "scale:0.7:1.4", "rotate90", "flip", "deform:1"])
def test_image_only_kinds_default_to_two_spatial_axes(spec):
    # The README's parse_transform("rotate:-45:45") needs no spatial_dims.
    assert parse_transform(spec).spatial_dims == 2
    with pytest.raises(ValueError, match=r"acts on images .* spatial_dims is 1"):
        parse_transform(spec, 1)


def test_default_spatial_dims_follow_the_whole_spec():
    assert parse_transform("shift:-3:3").spatial_dims == 1  # signals, as Shift's default
    both = parse_transform("shift:-2:2+rotate:-10:10")
    assert isinstance(both, Compose)
    assert [t.spatial_dims for t in both.transforms] == [2, 2]  # the shift moves images too
    with pytest.raises(ValueError, match=r"spatial_dims must be 1 .* got 3"):
        parse_transform("rotate:-1:1", 3)
