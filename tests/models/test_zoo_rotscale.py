"""fourier_mellin_mlp and bispectrum_mlp: built by name, 1D and 2D, invariant by construction."""

import pytest
import torch

from invlab.measure import layer_names
from invlab.models import create_model, list_models


@pytest.mark.parametrize("name", ["fourier_mellin_mlp", "bispectrum_mlp"])
@pytest.mark.parametrize("in_shape", [(1, 40), (2, 16, 16)])
def test_models_build_and_run(name, in_shape):
    assert name in list_models()
    model = create_model(name, in_shape=in_shape, num_classes=5, width=16, depth=1)
    out = model(torch.randn(4, *in_shape))
    assert out.shape == (4, 5)
    assert layer_names(model)[-1] == "logits"
    out.sum().backward()


def test_bispectrum_mlp_is_invariant_to_circular_shifts():
    torch.manual_seed(0)
    for in_shape, dims in (((1, 40), (-1,)), ((1, 12, 12), (-2, -1))):
        model = create_model("bispectrum_mlp", in_shape=in_shape, width=16).double().eval()
        x = torch.randn(6, *in_shape, dtype=torch.float64)
        moved = torch.roll(x, (5,) * len(dims), dims)
        assert torch.allclose(model(moved), model(x), atol=1e-8)


def test_fourier_mellin_mlp_is_invariant_to_quarter_turns_and_shifts():
    torch.manual_seed(0)
    model = create_model("fourier_mellin_mlp", in_shape=(1, 16, 16), width=16).double().eval()
    x = torch.randn(5, 1, 16, 16, dtype=torch.float64)
    assert torch.allclose(model(torch.rot90(x, 1, (-2, -1))), model(x), atol=1e-8)
    model_1d = create_model("fourier_mellin_mlp", in_shape=(1, 40), width=16).double().eval()
    s = torch.randn(5, 1, 40, dtype=torch.float64)
    assert torch.allclose(model_1d(torch.roll(s, 7, -1)), model_1d(s), atol=1e-8)


def test_fourier_mellin_mlp_rejects_non_square_images():
    with pytest.raises(ValueError, match="square"):
        create_model("fourier_mellin_mlp", in_shape=(1, 16, 20))
