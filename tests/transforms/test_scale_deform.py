"""Scale (zoom about the centre) and Deform (small smooth diffeomorphisms)."""

import math

import pytest
import torch

from invlab.transforms import Compose, Deform, Rotate, Scale, Shift


def _blob(n: int, cx: float = 0.0, cy: float = 0.0, width: float = 4.0) -> torch.Tensor:
    r = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    return torch.exp(-((r[:, None] - cy) ** 2 + (r[None, :] - cx) ** 2) / (2 * width**2))


def test_scale_one_is_identity_and_scale_then_inverse_is_close():
    x = _blob(49, width=6.0).expand(2, 1, 49, 49)
    t = Scale((0.5, 2.0))
    assert torch.equal(t.apply(x, t.identity_params()), x)
    p = torch.tensor([[1.3], [0.7]], dtype=torch.float64)
    back = t.apply(t.apply(x, p), t.inverse_params(p))
    # Two bilinear interpolations of a smooth blob: error O(h² x'') per pass.
    assert (back - x).abs().max() < 0.02


def test_scale_dilates_a_gaussian_about_the_centre():
    x = _blob(65, width=4.0)[None, None]
    out = Scale((0.5, 2.0)).apply(x, torch.tensor([1.5], dtype=torch.float64))
    assert torch.allclose(out[0, 0], _blob(65, width=6.0), atol=0.02)


def test_scale_samples_log_uniformly_inside_the_range():
    t = Scale((0.5, 2.0))
    s = t.sample(4000, generator=torch.Generator().manual_seed(0))
    assert bool((s >= 0.5).all() and (s <= 2.0).all())
    assert abs(float(torch.log(s).mean())) < 0.05  # symmetric in log
    assert torch.allclose(t.grid(3).flatten(), torch.tensor([0.5, 1.0, 2.0]))


def test_scale_rejects_nonpositive_ranges_and_factors():
    with pytest.raises(ValueError, match="scale_range"):
        Scale((0.0, 1.5))
    with pytest.raises(ValueError, match="scale_range"):
        Scale((-1.0, 2.0))
    with pytest.raises(ValueError, match="scale_range"):
        Scale((2.0, 1.0))
    with pytest.raises(TypeError, match="scale_range"):
        Scale(1.5)
    with pytest.raises(ValueError, match="params of Scale"):
        Scale().apply(torch.randn(1, 1, 4, 4), torch.tensor([0.0]))


def test_deform_with_amplitude_zero_is_the_identity():
    x = torch.randn(3, 2, 16, 20)
    t = Deform(amplitude=0.0)
    assert torch.equal(t(x, generator=torch.Generator().manual_seed(0)), x)
    assert torch.equal(t.apply(x, torch.zeros(t.param_dim)), x)


def test_deform_amplitude_is_the_rms_displacement():
    t = Deform(amplitude=1.5, modes=4)
    params = t.sample(3000, generator=torch.Generator().manual_seed(0))
    tau = t.displacement(params, 24, 24)
    rms = float(tau.square().mean().sqrt())
    assert math.isclose(rms, 1.5, rel_tol=0.1)
    # The field vanishes next to the border: no sample is pulled far from outside.
    assert float(tau[..., 0, :].abs().max()) < float(tau.abs().max())


def test_deform_changes_images_more_with_larger_amplitude():
    x = torch.randn(4, 1, 24, 24)
    g = torch.Generator().manual_seed(0)
    small = Deform(0.3)(x, generator=g)
    g = torch.Generator().manual_seed(0)
    large = Deform(3.0)(x, generator=g)
    assert (small - x).norm() < (large - x).norm()


def test_deform_grid_scales_one_field_from_zero():
    t = Deform(amplitude=2.0, modes=2, seed=3)
    grid = t.grid(5)
    assert grid.shape == (5, t.param_dim)
    assert torch.equal(grid[0], torch.zeros(t.param_dim))
    assert torch.allclose(grid[2] * 2, grid[4])
    with pytest.raises(NotImplementedError):
        t.inverse_params(grid)


def test_deform_is_differentiable_and_composes():
    x = torch.randn(2, 1, 12, 12, requires_grad=True)
    t = Compose([Deform(1.0), Scale(), Rotate(), Shift(1, dims=2)])
    out = t(x, generator=torch.Generator().manual_seed(0))
    out.sum().backward()
    assert out.shape == x.shape and x.grad is not None


def test_deform_bad_arguments():
    with pytest.raises(ValueError, match="amplitude"):
        Deform(amplitude=-1.0)
    with pytest.raises(ValueError, match="modes"):
        Deform(modes=0)
    assert "amplitude=1.0" in repr(Deform())
