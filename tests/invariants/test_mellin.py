"""Mellin (1D dilations), LogPolar and FourierMellin (2D translation, rotation, scale)."""

import math

import numpy as np
import pytest
import torch

from invlab.invariants import FourierMellin, LogPolar, Mellin
from invlab.invariants._fourier_mellin_fast import fourier_mellin_fast, fourier_mellin_taps
from invlab.invariants.functional import (
    fourier_mellin,
    fourier_mellin_1d,
    fourier_mellin_matrix,
    log_polar,
    mellin,
    radial_hann,
)
from invlab.transforms import Compose, Rotate, Scale, Shift


def _bump(t: torch.Tensor, centre: float, width: float) -> torch.Tensor:
    return torch.exp(-((t - centre) ** 2) / (2 * width**2))


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@pytest.fixture(scope="module")
def camera64() -> torch.Tensor:
    skimage_data = pytest.importorskip("skimage.data")
    from skimage.transform import resize

    image = resize(skimage_data.camera().astype(np.float64) / 255.0, (64, 64), anti_aliasing=True)
    return torch.from_numpy(image)[None, None]


def test_mellin_of_a_dilated_bump_equals_the_original():
    # Bumps inside [r_min, r_max]; dilation about the origin t = 0.
    t = torch.arange(256, dtype=torch.float64)
    m = Mellin(256, n_log=128, r_min=4.0, r_max=250.0)
    x = _bump(t, 30.0, 4.0)
    mx = m(x)
    for a in (1.3, 1.7, 2.5):
        dilated = _bump(t / a, 30.0, 4.0)  # x(t / a)
        # Tolerance: linear interpolation of the log-resampled bump (~1 %).
        assert _relative(m(dilated), mx) < 0.02
    # A dilation by exactly one log-step is a one-sample shift of the log grid.
    step = m.log_step
    assert _relative(m(_bump(t / step, 30.0, 4.0)), mx) < 0.005
    # Not a trivial invariant: a different bump has a different Mellin modulus.
    assert _relative(m(_bump(t, 30.0, 4.0) + _bump(t, 60.0, 2.0)), mx) > 0.2


def test_fourier_modulus_is_not_dilation_invariant_but_mellin_is():
    t = torch.arange(256, dtype=torch.float64)
    x, y = _bump(t, 30.0, 4.0), _bump(t / 2.0, 30.0, 4.0)
    assert _relative(torch.fft.rfft(y).abs(), torch.fft.rfft(x).abs()) > 0.5
    assert _relative(mellin(y, 128, 4.0, 250.0), mellin(x, 128, 4.0, 250.0)) < 0.02


def test_mellin_module_matches_functional_and_checks_input():
    x = torch.randn(3, 2, 64)
    m = Mellin(64, n_log=32, r_min=2.0, origin=3)
    assert torch.allclose(m(x), mellin(x, 32, 2.0, None, 3))
    assert m(x).shape == (3, 2, 17)
    assert "n_log=32" in repr(m)
    with pytest.raises(ValueError, match="length"):
        m(torch.randn(2, 63))
    with pytest.raises(ValueError, match="r_max must be > r_min"):
        Mellin(64, r_min=80.0)
    with pytest.raises(ValueError, match="r_min"):
        Mellin(64, r_min=0.0)


def test_log_polar_turns_rotation_into_a_cyclic_shift():
    x = torch.randn(2, 1, 33, 33, dtype=torch.float64)
    lp = LogPolar((33, 33), n_radii=12, n_angles=16).double()
    rotated = torch.rot90(x, 1, (-2, -1))  # 90° = 4 of 16 angular bins
    assert torch.allclose(lp(rotated), torch.roll(lp(x), 4, -1), atol=1e-10)
    assert torch.allclose(lp(x), log_polar(x, 12, 16))


def test_log_polar_turns_zoom_into_a_radial_shift():
    n = 65
    r = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    rho = torch.sqrt(r[:, None] ** 2 + r[None, :] ** 2)
    x = _bump(rho, 10.0, 2.5) * (1 + 0.5 * torch.cos(3 * torch.atan2(r[:, None], r[None, :])))
    x = x[None, None]
    lp = LogPolar((n, n), n_radii=33, n_angles=24, r_min=2.0, r_max=32.0).double()
    step = (32.0 / 2.0) ** (1 / 32)
    zoomed = Scale((0.5, 2.0)).apply(x, torch.tensor([step**3], dtype=torch.float64))
    out, ref = lp(zoomed), torch.roll(lp(x), 3, -2)
    assert _relative(out[..., 4:-4, :], ref[..., 4:-4, :]) < 0.03


def test_log_polar_is_differentiable_and_rejects_wrong_shapes():
    x = torch.randn(2, 16, 16, requires_grad=True)
    LogPolar((16, 16), 8, 8)(x).sum().backward()
    assert x.grad is not None
    with pytest.raises(ValueError, match="x must end with shape"):
        LogPolar((16, 16))(torch.randn(2, 16, 17))
    with pytest.raises(TypeError, match="shape"):
        LogPolar(16)


def test_fourier_mellin_on_a_real_image_is_rotation_and_scale_invariant(camera64):
    # Measured (docs/rotation_scale.md): rotations 0.065-0.067, zooms 0.10-0.17, zoom 1.2 +
    # rotation 40° 0.19. Without the log compression of earlier versions every distance is
    # larger, that of other images too (camera -> brick, grass, gravel: 1.46, 0.50, 0.48).
    x = camera64
    fm = FourierMellin((64, 64)).double()
    fx = fm(x)
    centred = x - x.mean()
    for angle in (30.0, 45.0, 60.0):
        y = Rotate().apply(x, torch.tensor([angle], dtype=torch.float64))
        assert _relative(fm(y), fx) <= 0.1
        assert _relative(y - y.mean(), centred) >= 0.5  # raw pixels (mean removed) move a lot
    for factor in (0.8, 0.9, 1.1, 1.25):
        y = Scale((0.5, 2.0)).apply(x, torch.tensor([factor], dtype=torch.float64))
        assert _relative(fm(y), fx) <= 0.2
        if factor in (0.8, 1.25):
            assert _relative(y - y.mean(), centred) >= 0.5
    both = Compose([Scale((0.5, 2.0)), Rotate()]).apply(
        x, torch.tensor([1.2, 40.0], dtype=torch.float64)
    )
    assert _relative(fm(both), fx) <= 0.2


def test_fourier_mellin_separates_different_images(camera64):
    # Not a trivial invariant: other photographs are further away than any transformed
    # camera (the smooth 1/f profile common to natural images keeps these distances modest).
    skimage_data = pytest.importorskip("skimage.data")
    from skimage.transform import resize

    fm = FourierMellin((64, 64)).double()
    fx = fm(camera64)
    moved = Compose([Scale((0.5, 2.0)), Rotate()]).apply(
        camera64.expand(4, 1, 64, 64),
        torch.tensor([[0.8, 30.0], [1.25, 60.0], [1.0, 45.0], [1.2, -40.0]], dtype=torch.float64),
    )
    worst = max(_relative(fm(m[None]), fx) for m in moved)
    for name in ("brick", "grass", "gravel"):
        other = getattr(skimage_data, name)() / 255.0
        y = torch.from_numpy(resize(other, (64, 64), anti_aliasing=True))[None, None]
        assert _relative(fm(y), fx) > 2 * worst


def test_fourier_mellin_exact_cases():
    x = torch.randn(3, 1, 32, 32, dtype=torch.float64)
    fm = FourierMellin((32, 32), n_radii=16, n_angles=16, window=False).double()
    # Circular translations: exact without the window.
    moved = Shift(5, dims=2).apply(x, torch.tensor([3.0, -5.0]))
    assert torch.allclose(fm(moved), fm(x), atol=1e-10)
    # Quarter turns: exact with the default window too.
    fm_w = FourierMellin((32, 32), n_radii=16, n_angles=16).double()
    assert torch.allclose(fm_w(torch.rot90(x, 1, (-2, -1))), fm_w(x), atol=1e-8)
    assert torch.allclose(fm_w(x), fourier_mellin(x, 16, 16))


@pytest.mark.parametrize(
    ("size", "n_radii", "n_angles", "window", "highpass", "dtype"),
    [
        (64, 32, 32, True, True, torch.float32),
        (32, 16, 24, False, True, torch.float64),
        (48, 20, 14, True, False, torch.float64),
        (32, 12, 16, True, True, torch.float64),
    ],
)
@pytest.mark.parametrize(
    ("floor", "whiten"), [(None, False), (0.1, False), (None, True), (0.1, True)]
)
def test_fourier_mellin_fast_path_matches_the_readable_formula(
    size, n_radii, n_angles, window, highpass, dtype, floor, whiten
):
    """The private embedding_bag fast path (the module's) equals the readable functional."""
    torch.manual_seed(0)
    x = torch.randn(5, 2, size, size, dtype=dtype)
    options = {"window": window, "highpass": highpass, "floor": floor, "whiten": whiten}
    ref = fourier_mellin(x, n_radii, n_angles, **options)
    matrix = fourier_mellin_matrix((size, size), n_radii, n_angles, highpass=highpass)
    taps, offsets, weights, n_cols = fourier_mellin_taps(matrix, (size, size))
    hann = radial_hann((size, size), dtype) if window else None
    sizes = {"n_cols": n_cols, "n_radii": n_radii, "n_angles": n_angles}
    fast = fourier_mellin_fast(x, hann, taps, offsets, weights, **sizes, floor=floor, whiten=whiten)
    fm = FourierMellin((size, size), n_radii, n_angles, **options).to(dtype)
    assert fast.shape == ref.shape == (5, 2, n_radii, n_angles // 2 + 1)
    assert float((fast - ref).abs().max() / ref.abs().max()) < 1e-5
    assert float((fm(x) - ref).abs().max() / ref.abs().max()) < 1e-5
    # Not vacuous: the other compression, or the other normalisation, gives other values.
    for other_options in ({"floor": 0.5 if floor is None else None}, {"whiten": not whiten}):
        other = fourier_mellin(x, n_radii, n_angles, **{**options, **other_options})
        assert float((other - ref).abs().max() / ref.abs().max()) > 1e-2
    # Gradients follow the readable form too (the autograd branch of the fast path).
    xg = x[:2].clone().requires_grad_(True)
    (grad_fast,) = torch.autograd.grad(fm(xg).square().sum(), xg)
    ref_g = fourier_mellin(xg, n_radii, n_angles, **options)
    (grad_ref,) = torch.autograd.grad(ref_g.square().sum(), xg)
    assert float((grad_fast - grad_ref).abs().max() / grad_ref.abs().max()) < 1e-4


def test_fourier_mellin_1d_is_shift_and_dilation_invariant():
    t = torch.arange(256, dtype=torch.float64)
    fm = FourierMellin(256, n_radii=64, r_min=4.0).double()
    x = _bump(t, 80.0, 3.0) - 0.5 * _bump(t, 100.0, 5.0)
    fx = fm(x)
    assert torch.allclose(fm(torch.roll(x, 37)), fx, atol=1e-10)
    y = _bump(t, 80.0 * 1.3, 3.0 * 1.3) - 0.5 * _bump(t, 130.0, 6.5)  # x dilated by 1.3
    assert _relative(fm(y), fx) < 0.1
    assert fm.output_shape((2, 1, 256)) == (2, 1, 33)
    # The module is its functional twin with the grid held as a buffer.
    assert torch.equal(fx, fourier_mellin_1d(x, n_radii=64, r_min=4.0))
    with pytest.raises(ValueError, match="x must have length N >= 8"):
        fourier_mellin_1d(torch.randn(2, 6))


def test_fourier_mellin_bad_input():
    with pytest.raises(ValueError, match="square"):
        FourierMellin((32, 48))
    with pytest.raises(ValueError, match="x must be square"):
        fourier_mellin(torch.randn(1, 32, 40))
    with pytest.raises(ValueError, match="x must end with shape"):
        FourierMellin((32, 32))(torch.randn(1, 16, 16))
    with pytest.raises(ValueError, match="floor"):
        FourierMellin((32, 32), floor=0.0)
    with pytest.raises(ValueError, match="n_angles must be even, got 15"):
        FourierMellin((32, 32), n_angles=15)
    with pytest.raises(ValueError, match="n_angles must be even, got 9"):
        fourier_mellin(torch.randn(1, 32, 32), n_angles=9)
    with pytest.raises(ValueError, match="r_max"):
        FourierMellin((32, 32), r_max=40.0)
    # an image too small for the default radii: the message names the shape and the defaults
    with pytest.raises(ValueError, match=r"shape \(8, 8\) are too small .* r_max defaults to"):
        FourierMellin((8, 8))
    FourierMellin((8, 8), r_min=1.0, r_max=3.0)  # what the message suggests works
    assert "n_radii=32" in repr(FourierMellin((32, 32)))
    assert not math.isnan(float(FourierMellin((16, 16))(torch.zeros(1, 16, 16)).sum()))
