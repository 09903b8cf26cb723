"""Equivariance error and translation-sensitivity maps: known answers."""

import math

import pytest
import torch
from torch import nn

from invlab.invariants import FourierModulus
from invlab.measure import compute_profile, equivariance_error, translation_sensitivity_map
from invlab.models import Staged, create_model
from invlab.transforms import Shift


def test_circular_convolutions_are_shift_equivariant():
    torch.manual_seed(0)
    model = create_model("cnn", in_shape=(1, 32), channels=4, depth=2)
    x = torch.randn(50, 1, 32)
    result = compute_profile(model, x, Shift(8), metrics=["equivariance"])
    assert set(result.equivariance) == {"input", "conv1", "conv2"}  # pool/logits: no action
    for name in ("conv1", "conv2"):
        assert result.equivariance[name].max() < 1e-6


def test_stride_divides_the_shift():
    torch.manual_seed(0)
    model = Staged(conv=nn.Conv1d(1, 3, 3, stride=2, padding=1, padding_mode="circular"))
    x = torch.randn(40, 1, 32)
    even = compute_profile(
        model, x, Shift(8), ["conv"], metrics=["equivariance"], steps=5
    )  # shifts -8, -4, 0, 4, 8: multiples of the stride, exact
    assert even.equivariance["conv"].max() < 1e-6
    odd = compute_profile(
        model, x, Shift(shift_range=(1, 1)), ["conv"], metrics=["equivariance"], steps=1
    )  # a one-sample shift has no exact counterpart on the stride-2 map: aliasing
    assert odd.equivariance["conv"][0] > 0.1


def test_user_rho_identity_measures_invariance():
    torch.manual_seed(0)
    x = torch.randn(300, 1, 32, dtype=torch.float64)
    model = Staged(fourier=FourierModulus())
    df = equivariance_error(model, x, Shift(8), ["input", "fourier"], rho=lambda f, p: f)
    per = df[df.param != "mean"]
    assert per[per.layer == "fourier"].value.max() < 1e-12
    # white noise: ‖g x − x‖ ≈ √2 ‖x‖ for every non-zero shift
    moved = per[(per.layer == "input") & (per.param != 0.0)].value
    assert moved.to_numpy() == pytest.approx(math.sqrt(2), abs=0.05)


def test_a_position_mixing_layer_is_not_equivariant():
    torch.manual_seed(0)
    mix = nn.Sequential(nn.Flatten(), nn.Linear(32, 32), nn.Unflatten(1, (1, 32)))
    model = Staged(mix=mix)
    x = torch.randn(100, 1, 32)
    result = compute_profile(model, x, Shift(8), ["mix"], metrics=["equivariance"], rho="same")
    assert result.equivariance["mix"][result.grid[:, 0] != 0].min() > 0.5


def test_rho_must_keep_the_feature_shape():
    model = Staged(conv=nn.Conv1d(1, 2, 3, padding=1))
    with pytest.raises(ValueError, match="rho must return features"):
        compute_profile(
            model, torch.randn(10, 1, 16), Shift(2), ["conv"], metrics=["equivariance"],
            rho=lambda f, p: f[:, :1],
        )  # fmt: skip


def test_translation_sensitivity_map_of_identity_and_fourier_modulus():
    torch.manual_seed(0)
    x = torch.randn(120, 1, 8, 8, dtype=torch.float64)
    model = Staged(fourier=FourierModulus(dims=2))
    maps = translation_sensitivity_map(model, x, ["input", "fourier"], max_shift=2)
    raw, invariant = maps["input"], maps["fourier"]
    assert raw.shape == (5, 5)
    assert list(raw.index) == [-2, -1, 0, 1, 2] and list(raw.columns) == [-2, -1, 0, 1, 2]
    assert raw.loc[0, 0] == 0
    others = raw.to_numpy()[raw.to_numpy() > 0]
    assert len(others) == 24 and others == pytest.approx(1.0, abs=0.15)
    assert invariant.to_numpy().max() < 1e-20


def test_map_needs_images():
    with pytest.raises(ValueError, match="images"):
        translation_sensitivity_map(nn.Identity(), torch.randn(10, 1, 16))
