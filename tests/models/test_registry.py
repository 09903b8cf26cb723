"""The model registry and the zoo's structural properties."""

import pytest
import torch

from invlab.measure import layer_names
from invlab.models import create_model, list_models, model_signature
from invlab.models.registry import model_inputs
from invlab.transforms import Shift

SKELETON_MODELS = ["linear", "mlp", "cnn", "cnn_flat", "fourier_mlp"]


@pytest.mark.parametrize("name", SKELETON_MODELS)
@pytest.mark.parametrize("in_shape", [(1, 40), (2, 8, 8)])
def test_every_model_builds_for_1d_and_2d(name, in_shape):
    model = create_model(name, in_shape=in_shape, num_classes=7)
    assert model(torch.randn(3, *in_shape)).shape == (3, 7)
    names = layer_names(model)
    assert names[-1] == "logits"
    assert set(names) <= {n for n, _ in model.named_modules()}


def test_registry_lists_models_and_their_sizes():
    assert set(SKELETON_MODELS) <= set(list_models())
    assert model_signature("mlp") == {"width": 128, "depth": 2, "norm": "none", "residual": False}


@pytest.mark.parametrize("name", ["cnn", "fourier_mlp"])
def test_built_in_invariance_to_circular_shifts(name):
    model = create_model(name, in_shape=(1, 40)).eval()
    x = torch.randn(8, 1, 40)
    moved = Shift(19).apply(x, Shift(19).sample(8, torch.Generator().manual_seed(0)))
    assert torch.allclose(model(x), model(moved), atol=1e-5)


def test_cnn_flat_is_not_invariant():
    model = create_model("cnn_flat", in_shape=(1, 40)).eval()
    x = torch.randn(8, 1, 40)
    assert not torch.allclose(model(x), model(torch.roll(x, 5, -1)), atol=1e-3)


def test_unknown_model_and_bad_sizes_are_named():
    with pytest.raises(ValueError, match=r"unknown model 'resnet'; available: .*cnn"):
        create_model("resnet")
    with pytest.raises(ValueError, match=r"unknown size argument\(s\) \['channels'\]"):
        create_model("mlp", channels=3)
    with pytest.raises(ValueError, match="width must be >= 1"):
        create_model("mlp", width=0)
    with pytest.raises(ValueError, match="in_shape must be"):
        create_model("mlp", in_shape=(40,))
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        create_model("cnn", kernel_size=4)


@pytest.mark.parametrize(
    ("name", "wrong", "message"),
    [
        ("gcnn", (1, 40), r"gcnn needs images: in_shape must be \(C, H, W\), got \(1, 40\)"),
        ("scale_cnn", (1, 40), r"scale_cnn needs images: in_shape must be \(C, H, W\)"),
        ("pyramid_cnn", (1, 40), r"pyramid_cnn needs images: in_shape must be \(C, H, W\)"),
        ("detrend_cnn", (1, 8, 8), r"detrend_cnn needs signals: in_shape must be \(C, N\)"),
    ],
)
def test_a_model_of_one_input_kind_refuses_the_other_by_name(name, wrong, message):
    # the kind the registry declares is the one the builder accepts
    assert model_inputs(name) == (("images",) if "needs images" in message else ("signals",))
    with pytest.raises(ValueError, match=message):
        create_model(name, in_shape=wrong)
