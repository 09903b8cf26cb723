"""Bad input to invlab.measure fails at the boundary with a message that says what to do."""

import pytest
import torch
from torch import nn

from invlab.measure import compute_profile, profile
from invlab.models import create_model
from invlab.transforms import Shift


@pytest.fixture
def model():
    return create_model("mlp", in_shape=(1, 16), width=8)


def test_unknown_layer_lists_the_available_names(model):
    with pytest.raises(ValueError, match=r"'hiden1' is not in the model; available: input, "):
        profile(model, torch.randn(20, 1, 16), Shift(2), ["hiden1"])


def test_transform_dims_must_match_the_data(model):
    with pytest.raises(ValueError, match=r"acts on 2 spatial dimension\(s\)"):
        profile(model, torch.randn(20, 1, 16), Shift(2, dims=2))


def test_data_and_model_on_different_devices():
    on_meta = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).to("meta")
    with pytest.raises(ValueError, match="data is on cpu but the model is on meta"):
        profile(on_meta, torch.randn(20, 1, 16), Shift(2))
    with pytest.raises(ValueError, match=r"device='cpu' but the model is on meta"):
        profile(on_meta, torch.randn(20, 1, 16), Shift(2), device="cpu")


def test_empty_data(model):
    with pytest.raises(ValueError, match="data is empty"):
        profile(model, torch.empty(0, 1, 16), Shift(2))


def test_too_little_data(model):
    with pytest.raises(ValueError, match="at least 2"):
        profile(model, torch.randn(1, 1, 16), Shift(2), metrics=["sensitivity"])
    with pytest.raises(ValueError, match="too few for a firing rate"):
        profile(model, torch.randn(50, 1, 16), Shift(2), metrics=["goodfellow"])


def test_bad_arguments(model):
    x = torch.randn(20, 1, 16)
    with pytest.raises(ValueError, match="metrics must be one of"):
        profile(model, x, Shift(2), metrics=["invariance"])
    with pytest.raises(TypeError, match="metrics must be a list"):
        profile(model, x, Shift(2), metrics="sensitivity")
    with pytest.raises(TypeError, match="transform must be an invlab Transform"):
        profile(model, x, lambda v: v)
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        profile(lambda v: v, x, Shift(2))
    with pytest.raises(ValueError, match="polarity must be one of"):
        profile(model, x, Shift(2), polarity="negative")
    with pytest.raises(ValueError, match="contains NaN"):
        profile(model, torch.full((20, 1, 16), float("nan")), Shift(2))
    with pytest.raises(ValueError, match=r"y must have shape \(20,\)"):
        profile(model, (x, torch.zeros(19, dtype=torch.long)), Shift(2))


def test_metric_preconditions(model):
    x = torch.randn(20, 1, 16)
    with pytest.raises(ValueError, match="needs labels"):
        profile(model, x, Shift(2), metrics=["accuracy"])
    with pytest.raises(ValueError, match="needs a known action"):
        profile(model, x, Shift(2), ["hidden1"], metrics=["equivariance"])
    with pytest.raises(ValueError, match=r"need a model output of shape \(B, classes\)"):
        profile(nn.Identity(), x, Shift(2), ["input"], metrics=["consistency"])
    with pytest.raises(ValueError, match="not measured"):
        profile(model, x, Shift(2), ["input"], metrics=["equivariance"], rho={"conv9": "same"})


def test_defaults_skip_metrics_that_do_not_apply(model):
    result = compute_profile(nn.Identity(), torch.randn(100, 1, 16), Shift(2), ["input"])
    assert result.accuracy is None and result.consistency is None  # no labels, no logits
    assert set(result.equivariance) == {"input"}


def test_shuffled_loader_is_refused(model):
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.randn(20, 1, 16)), batch_size=5, shuffle=True)
    with pytest.raises(ValueError, match="shuffle=False"):
        profile(model, loader, Shift(2))


def test_loader_without_labels_skips_accuracy_by_default(model):
    from torch.utils.data import DataLoader

    loader = DataLoader(torch.randn(120, 1, 16), batch_size=30)
    result = compute_profile(model, loader, Shift(2), ["hidden1"])
    assert result.accuracy is None and result.consistency is not None
    with pytest.raises(ValueError, match="needs labels"):
        profile(model, loader, Shift(2), metrics=["accuracy"])
