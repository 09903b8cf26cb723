"""Shapes that cannot mean what the user thinks are refused with a message that says what to do
(issue #19, section 2): signals given to image transforms and image invariants, an int shape
that would switch FourierMellin to 1D, a log-polar centre outside the image, windows and groups
and scales that do not fit the input, and rank-3 ``.npz`` arrays."""

import numpy as np
import pytest
import torch
from torch import nn

from invlab.data.files import npz_dataset
from invlab.invariants import FourierMellin, FourierModulus, LogPolar
from invlab.nn import LpPool, MultiScale, Symmetrize
from invlab.transforms import Compose, Deform, Flip, Rotate, Rotate90, Scale, Shift

SIGNALS = [(4, 1, 40), (4, 3, 1, 40), (4, 40, 1)]

IMAGE_TRANSFORMS = [
    Rotate(),
    Scale(),
    Deform(),
    Rotate90(),
    Flip(),
    Shift(3, dims=2),
    Compose([Rotate(), Scale()]),
    Compose([Shift(2), Rotate()]),
]


@pytest.mark.parametrize("t", IMAGE_TRANSFORMS, ids=repr)
@pytest.mark.parametrize("shape", SIGNALS)
def test_image_transforms_refuse_an_axis_of_size_1(t, shape):
    x = torch.randn(shape)
    params = t.sample(shape[0], generator=torch.Generator().manual_seed(0))
    for call in (lambda: t(x), lambda: t.apply(x, params), lambda: t.trajectory(x, 3)):
        with pytest.raises(ValueError, match=r"size 1.*Shift") as err:
            call()
        assert str(shape) in str(err.value)


def test_image_transforms_still_take_images_and_signal_transforms_signals():
    x = torch.randn(2, 1, 9, 9)
    assert torch.equal(Rotate().apply(x, torch.tensor([90.0])), torch.rot90(x, 1, (-2, -1)))
    s = torch.randn(2, 1, 40)
    assert torch.equal(Shift(5, mode="circular").apply(s, torch.tensor([3.0])), s.roll(3, -1))


def test_fourier_modulus_2d_refuses_an_axis_of_size_1():
    with pytest.raises(ValueError, match=r"\(4, 1, 40\).*dims=1"):
        FourierModulus(dims=2)(torch.randn(4, 1, 40))
    with pytest.raises(ValueError, match="size 1"):
        FourierModulus(dims=2)(torch.randn(2, 3, 40, 1))


def test_fourier_mellin_int_refuses_square_images_and_the_tuple_form_is_rotation_invariant():
    x = torch.randn(2, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"FourierMellin\(\(32, 32\)\)"):
        FourierMellin(32)(x)
    fm = FourierMellin((32, 32))
    turned = torch.rot90(x, 1, (-2, -1))
    assert (fm(turned) - fm(x)).norm() / fm(x).norm() < 1e-5
    # signals stay 1D; (N,) declares N-channel signals whose shape looks square
    assert FourierMellin(32)(torch.randn(2, 3, 32)).shape == (2, 3, 17)
    assert FourierMellin((32,))(torch.randn(2, 32, 32)).shape == (2, 32, 17)


@pytest.mark.parametrize("center", [(100.0, 100.0), (-1.0, 8.0), (8.0, 16.5)])
def test_log_polar_refuses_a_centre_outside_the_image(center):
    with pytest.raises(ValueError, match=r"center=.*outside the 16x16 image"):
        LogPolar((16, 16), center=center)
    assert LogPolar((16, 16), center=(0.0, 15.0))(torch.randn(1, 16, 16)).shape[-2:] == (32, 32)


@pytest.mark.parametrize(
    ("pool", "shape"),
    [(LpPool(100, dims=1), (2, 3, 40)), (LpPool(9, dims=2), (2, 3, 8, 12))],
)
def test_lp_pool_refuses_a_window_larger_than_the_input(pool, shape):
    with pytest.raises(ValueError, match=r"kernel_size=\d+ is larger than the input"):
        pool(torch.randn(shape))


@pytest.mark.parametrize("group", ["C4", "D4", "C8"])
def test_symmetrize_refuses_groups_that_change_the_shape(group):
    net = Symmetrize(nn.Sequential(nn.Flatten(), nn.LazyLinear(3)), group)
    with pytest.raises(ValueError, match=r"square images"):
        net(torch.randn(2, 1, 8, 12))


def test_multiscale_says_the_model_must_take_every_scale():
    head = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 16 * 16, 10))
    with pytest.raises(ValueError, match=r"scale 0.75.*every scale's size"):
        MultiScale(head, scales=(1.0, 0.75))(torch.randn(2, 1, 16, 16))
    signal_head = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.Flatten())  # length-dependent
    with pytest.raises(ValueError, match="differ in shape across scales"):
        MultiScale(signal_head, scales=(1.0, 0.5))(torch.randn(2, 1, 16))


def _save(path, x):
    y = np.arange(len(x)) % 3
    np.savez(path, x_train=x, y_train=y, x_test=x[:5], y_test=y[:5])


def test_npz_rank_3_is_read_as_signals_and_says_so(tmp_path):
    x = np.random.default_rng(0).normal(size=(20, 3, 40)).astype(np.float32)
    _save(tmp_path / "s.npz", x)
    with pytest.warns(UserWarning, match=r"\(N, C, L\) signals.*layout='images'"):
        ds = npz_dataset(tmp_path / "s.npz")
    assert ds.in_shape == (3, 40)
    assert np.array_equal(ds.x_train.numpy(), x)
    images = npz_dataset(tmp_path / "s.npz", layout="images")
    assert images.in_shape == (1, 3, 40)
    with pytest.raises(ValueError, match="layout must be"):
        npz_dataset(tmp_path / "s.npz", layout="auto")


def test_bispectrum_int_refuses_square_images_like_fourier_mellin():
    from invlab.invariants import Bispectrum

    with pytest.raises(ValueError, match=r"Bispectrum\(\(32, 32\)\)"):
        Bispectrum(32)(torch.randn(2, 1, 32, 32))
    assert Bispectrum((32,))(torch.randn(2, 32, 32)).shape[-2] == 32  # 32-channel signals, said so
    assert Bispectrum(32)(torch.randn(2, 1, 32)).dim() == 3


def test_the_command_line_data_spec_chooses_the_npz_layout(tmp_path):
    from invlab.data.spec import parse_data

    path = tmp_path / "three.npz"
    x = np.random.default_rng(0).standard_normal((20, 3, 40)).astype(np.float32)
    y = np.zeros(20, np.int64)
    np.savez(path, x_train=x, y_train=y, x_test=x[:5], y_test=y[:5])
    assert parse_data(f"npz:images:{path}").in_shape == (1, 3, 40)
    assert parse_data(f"npz:signals:{path}").in_shape == (3, 40)
