"""The invariant zoo models: they build in 1D and 2D, and their invariances hold."""

import pytest
import torch
import torch.nn.functional as F

from invlab.measure import layer_names
from invlab.models import create_model
from invlab.train import train

ARCHITECTURES = {
    "cnn_blur": {"channels": 4},
    "cnn_lp": {"channels": 4, "learnable_p": True},
    "gcnn": {"channels": 2, "depth": 2, "kernel_size": 3},
    "symmetric": {"base": "cnn", "group": "C4", "channels": 4, "depth": 1},
    "multiscale_cnn": {"channels": 4, "depth": 2, "scales": (1.0, 0.5)},
    "augerino_cnn": {"channels": 4, "depth": 2},
}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("in_shape", [(1, 16), (1, 8, 8)])
def test_zoo_model_builds_runs_and_trains(name, in_shape):
    kw = dict(ARCHITECTURES[name])
    if len(in_shape) == 2 and name == "gcnn":
        with pytest.raises(ValueError, match="in_shape must be"):
            create_model(name, in_shape=in_shape, num_classes=3, **kw)
        return
    if len(in_shape) == 2 and name == "symmetric":
        kw["group"] = "shifts"
    torch.manual_seed(0)
    model = create_model(name, in_shape=in_shape, num_classes=3, **kw)
    out = model(torch.randn(2, *in_shape))
    assert out.shape == (2, 3)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    assert layer_names(model)
    # A few Adam steps on a small fixed batch lower the training loss.
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(12, *in_shape, generator=gen), torch.randint(3, (12,), generator=gen)
    result = train(model, x, y, epochs=10, batch_size=12, lr=1e-2, seed=0)
    assert result.steps == 10
    assert result.losses[-1] < 0.95 * result.losses[0]


@pytest.mark.parametrize("group", ["C4", "D4"])
def test_gcnn_logits_are_invariant_to_its_group(group):
    torch.manual_seed(0)
    model = create_model("gcnn", in_shape=(1, 9, 9), num_classes=4, group=group, channels=3)
    x = torch.randn(2, 1, 9, 9)
    y = model(x)
    turned = [torch.rot90(x, k, (-2, -1)) for k in range(4)]
    if group == "D4":
        turned += [torch.flip(t, (-1,)) for t in turned]
    for t in turned:
        assert torch.allclose(model(t), y, atol=1e-5)


def test_symmetric_model_is_invariant_where_its_base_is_not():
    torch.manual_seed(0)
    kw = {"in_shape": (1, 8, 8), "num_classes": 3, "channels": 4, "depth": 1}
    x = torch.randn(2, 1, 8, 8)
    flat = create_model("cnn_flat", **kw)
    sym = create_model("symmetric", base="cnn_flat", group="D4", **kw)
    turned = torch.flip(torch.rot90(x, 1, (-2, -1)), (-1,))
    assert not torch.allclose(flat(turned), flat(x), atol=1e-4)
    assert torch.allclose(sym(turned), sym(x), atol=1e-5)


def test_cnn_blur_with_filter_size_1_is_the_strided_max_pool_cnn():
    torch.manual_seed(0)
    model = create_model("cnn_blur", in_shape=(1, 16), num_classes=3, depth=1, filter_size=1)
    conv = model.block1[0]
    x = torch.randn(2, 1, 16)
    h = F.max_pool1d(torch.relu(conv(x)), 2, stride=2)
    assert torch.allclose(model.block1(x), h)


def test_bad_group_and_scales_are_rejected():
    with pytest.raises(ValueError, match="group must be one of"):
        create_model("gcnn", in_shape=(1, 8, 8), group="C3")
    with pytest.raises(ValueError, match="group='shifts'"):
        create_model("symmetric", in_shape=(1, 16), group="C4")
    with pytest.raises(ValueError, match="scales must all be finite and > 0"):
        create_model("multiscale_cnn", in_shape=(1, 8, 8), scales=(1.0, 0.0))
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        create_model("gcnn", in_shape=(1, 8, 8), kernel_size=4)
