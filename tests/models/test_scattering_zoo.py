"""Zoo models built on the scattering transform: 1D and 2D, named stages, trainable head."""

import pytest
import torch

from invlab.measure import layer_names
from invlab.models import create_model, list_models


@pytest.mark.parametrize("name", ["scattering_linear", "scattering_mlp"])
@pytest.mark.parametrize("in_shape", [(1, 40), (1, 8, 8), (3, 16, 12)])
def test_scattering_models_build_and_backpropagate(name, in_shape):
    assert name in list_models()
    model = create_model(name, in_shape=in_shape, num_classes=10)
    names = layer_names(model)
    assert names[0] == "scattering" and names[1] == "norm" and names[-1] == "logits"
    x = torch.randn(6, *in_shape)
    logits = model(x)
    assert logits.shape == (6, 10)
    logits.sum().backward()
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable and all(torch.isfinite(p.grad).all() for p in trainable)
    assert not any(True for _ in model.scattering.parameters())  # the transform is fixed


def test_scattering_model_sizes_and_errors():
    m = create_model(
        "scattering_mlp", in_shape=(1, 40), num_classes=10, J=3, Q=4, width=32, depth=2
    )
    assert [n for n in layer_names(m) if n.startswith("hidden")] == ["hidden1", "hidden2"]
    assert m.scattering.J == 3 and m.scattering.Q == (4, 1)
    with pytest.raises(ValueError, match="norm"):
        create_model("scattering_linear", in_shape=(1, 40), num_classes=10, norm="l2")
    with pytest.raises(ValueError, match="too large"):
        create_model("scattering_linear", in_shape=(1, 8, 8), num_classes=10, J=4)
