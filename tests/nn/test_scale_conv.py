"""ScaleConv2d: one set of weights at every scale; zooming the input by the scale ratio shifts
the scale axis by one. And MultiScale's batch-norm statistics kept per pyramid level."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from invlab.nn import MultiScale, ScaleConv2d, scale_conv2d

N = 65  # odd: the zoom's centre is the centre pixel
C = (N - 1) // 2


def blobs(zoom: float) -> torch.Tensor:
    """A smooth image (three Gaussian blobs) drawn analytically at ``zoom`` about the centre,
    so the zoomed copy is exact, not interpolated."""
    t = torch.arange(N, dtype=torch.float64) - C
    y, x = torch.meshgrid(t / zoom, t / zoom, indexing="ij")
    img = (
        torch.exp(-((x - 2) ** 2 / 8 + (y + 1) ** 2 / 3))
        - 0.7 * torch.exp(-((x + 3) ** 2 / 2 + (y - 2) ** 2 / 6))
        + 0.5 * torch.exp(-((x - 1) ** 2 / 3 + (y - 4) ** 2 / 2))
    )
    return img[None, None]


def _layers():
    torch.manual_seed(0)
    lift = ScaleConv2d(1, 6, num_scales=5, sigma=1.0).double()
    deeper = ScaleConv2d(6, 4, num_scales=5, sigma=1.0).double()
    return lift, deeper


@pytest.mark.parametrize("depth", [1, 2])
def test_zooming_by_the_scale_ratio_shifts_the_scale_axis(depth):
    lift, deeper = _layers()

    def net(x):
        out = lift(x)
        return deeper(torch.relu(out)) if depth == 2 else out

    b = lift.base  # √2
    y1, y2 = net(blobs(1.0)), net(blobs(b))
    # y_i(zoom_b x)(centre) = y_{i-1}(x)(centre): compare the responses at the centre pixel
    shifted = y2[:, :, 1:, C, C]
    reference = y1[:, :, :-1, C, C]
    err = (shifted - reference).norm() / reference.norm()
    unshifted = (y2[:, :, 1:, C, C] - y1[:, :, 1:, C, C]).norm() / reference.norm()
    assert err < 0.02  # pixel sampling of the filters and of the image
    assert unshifted > 10 * err  # without the shift the scale axes disagree


def test_the_weights_are_shared_by_the_scales():
    layer = ScaleConv2d(2, 3, num_scales=3)
    assert layer.weight.shape == (3, 2, 6)  # (out, in, J derivatives), no scale axis
    x = torch.randn(1, 2, 3, 20, 20)
    out = layer(x)
    # scale i of a scale-space input is the lifting of slice i at sigma_i alone
    for i, sigma in enumerate(layer.sigmas):
        alone = scale_conv2d(x[:, :, i], layer.weight, (sigma,), bias=layer.bias)[:, :, 0]
        torch.testing.assert_close(out[:, :, i], alone)


def test_repr_and_bad_input():
    layer = ScaleConv2d(1, 4, num_scales=3, sigma=0.8)
    assert "sigmas=(0.8, 1.13, 1.6)" in repr(layer) and "order=2" in repr(layer)
    with pytest.raises(ValueError, match=r"x must have 1 channels .* shape \(2, 3, 8, 8\)"):
        layer(torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match=r"x has 2 scales .* sigmas has 3"):
        layer(torch.randn(2, 1, 2, 8, 8))
    with pytest.raises(ValueError, match="base must be > 1"):
        ScaleConv2d(1, 4, base=1.0)
    with pytest.raises(ValueError, match="order must be 0, 1 or 2, got 3"):
        ScaleConv2d(1, 4, order=3)


def test_multiscale_keeps_batch_norm_statistics_per_level():
    torch.manual_seed(0)
    base = nn.Sequential(
        nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.AdaptiveMaxPool2d(1), nn.Flatten()
    )
    shared = MultiScale(base, scales=(1.0, 0.5), level_stats=False)
    per_level = MultiScale(base, scales=(1.0, 0.5))
    assert "level_stats=True" in repr(per_level)
    x = torch.rand(16, 1, 24, 24)
    per_level.train()(x)
    m0, m1 = per_level.norm0_level0_running_mean, per_level.norm0_level1_running_mean
    assert not torch.allclose(m0, m1)  # the two levels saw different statistics
    # in evaluation, each level is normalised with its own statistics: level 1 alone equals
    # the base evaluated with level 1's statistics
    per_level.eval()
    per_level(x)
    bn = base[1]
    assert bn.running_mean is per_level.norm0_level1_running_mean
    assert shared.level_stats is False and not any("level" in n for n, _ in shared.named_buffers())
