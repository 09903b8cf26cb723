"""Registration by log-polar phase correlation recovers rotation, scale and shift."""

import numpy as np
import pytest
import torch

from invlab.invariants import register_rotation_scale
from invlab.invariants.registration import phase_correlation
from invlab.transforms import Compose, Rotate, Scale, Shift


@pytest.fixture(scope="module")
def images128() -> torch.Tensor:
    skimage_data = pytest.importorskip("skimage.data")
    from skimage.transform import resize

    out = []
    for name in ("camera", "astronaut"):
        image = getattr(skimage_data, name)().astype(np.float64)
        image = image.mean(-1) if image.ndim == 3 else image
        out.append(resize(image / 255.0, (128, 128), anti_aliasing=True))
    return torch.from_numpy(np.stack(out))


def test_registration_recovers_angle_scale_and_shift_on_real_images(images128):
    # (scale, angle, shift rows, shift cols): moving = Shift ∘ Rotate ∘ Scale (reference).
    params = torch.tensor(
        [
            [1.10, 37.0, 3.0, -5.0],
            [0.85, -123.4, 0.0, 0.0],
            [1.20, 170.0, -4.0, 2.0],
            [0.90, 60.0, 7.0, 7.0],
            [1.00, 0.3, 0.0, 0.0],
        ],
        dtype=torch.float64,
    )
    t = Compose([Scale((0.5, 2.0)), Rotate(), Shift(8, dims=2, mode="zeros")])
    for image in images128:
        reference = image.expand(len(params), 128, 128)
        moving = t.apply(reference[:, None], params)[:, 0]
        found = register_rotation_scale(reference, moving)
        angle_error = torch.remainder(found.angle - params[:, 1] + 180.0, 360.0) - 180.0
        assert angle_error.abs().max() <= 0.5
        assert (found.scale / params[:, 0] - 1).abs().max() <= 0.02
        assert (found.shift - params[:, 2:]).abs().max() <= 0.5
        assert bool((found.peak > 0.5).all())


def test_registration_of_an_image_with_itself_is_the_identity(images128):
    found = register_rotation_scale(images128[0], images128[0])
    assert found.angle.shape == (1,)
    assert abs(float(found.angle)) < 1e-6 and abs(float(found.scale) - 1) < 1e-6
    assert float(found.shift.abs().max()) < 1e-6


def test_unrelated_images_give_a_low_peak(images128):
    found = register_rotation_scale(images128[0], images128[1])
    assert float(found.peak) < 0.2


def test_phase_correlation_finds_circular_shifts():
    a = torch.randn(2, 32, 40, dtype=torch.float64)
    b = torch.roll(a, (5, -7), (-2, -1))
    d, peak = phase_correlation(a, b)
    assert torch.allclose(d, torch.tensor([[5.0, -7.0]] * 2, dtype=torch.float64), atol=0.05)
    assert bool((peak > 0.9).all())


def test_registration_bad_input():
    with pytest.raises(ValueError, match="reference must be square"):
        register_rotation_scale(torch.rand(32, 48), torch.rand(32, 48))
    with pytest.raises(ValueError, match="same shape"):
        register_rotation_scale(torch.rand(32, 32), torch.rand(2, 32, 32))
    with pytest.raises(ValueError, match="moving contains NaN"):
        register_rotation_scale(torch.rand(32, 32), torch.full((32, 32), float("nan")))
    with pytest.raises(ValueError, match="at least 16"):
        register_rotation_scale(torch.rand(8, 8), torch.rand(8, 8))
