"""The MNIST-1D models: the paper's strided CNN and the detrending front end with its CNN."""

import pytest
import torch

from invlab.invariants import Detrend, detrend
from invlab.measure import layer_names
from invlab.models import create_model
from invlab.transforms import Shift


def test_detrend_removes_any_added_line_exactly():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 2, 40, generator=gen)
    a, b = torch.randn(6, 2, 1, generator=gen), torch.randn(6, 2, 1, generator=gen)
    line = a + b * torch.arange(40.0)
    assert torch.allclose(detrend(x + line), detrend(x), atol=1e-4)
    assert detrend(line).abs().max() < 1e-4


def test_detrend_is_an_orthogonal_projection():
    x = torch.randn(5, 33, dtype=torch.float64)
    y = detrend(x, degree=2)
    assert torch.allclose(detrend(y, degree=2), y)  # idempotent
    assert torch.allclose(((x - y) * y).sum(-1), torch.zeros(5, dtype=torch.float64), atol=1e-10)
    t = torch.linspace(-1, 1, 33, dtype=torch.float64)
    for k in range(3):  # what is left has no component along 1, t, t²
        assert torch.allclose(y @ t**k, torch.zeros(5, dtype=torch.float64), atol=1e-10)


def test_detrend_keeps_a_quadratic_at_degree_one_and_removes_it_at_degree_two():
    t = torch.linspace(-1, 1, 40)
    parabola = (t**2).expand(3, 40)
    assert detrend(parabola, degree=1).abs().max() > 0.1
    assert detrend(parabola, degree=2).abs().max() < 1e-5


def test_detrend_keep_mean_removes_zero_mean_ramps_and_keeps_the_mean():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 40, generator=gen)
    t = torch.arange(40.0)
    ramp = torch.randn(6, 1, generator=gen) * (t - t.mean())
    y = detrend(x, keep_mean=True)
    assert torch.allclose(detrend(x + ramp, keep_mean=True), y, atol=1e-4)
    assert torch.allclose(y.mean(-1), x.mean(-1), atol=1e-5)
    # A constant is not removed (it is with keep_mean=False).
    assert torch.allclose(detrend(x + 2.0, keep_mean=True), y + 2.0, atol=1e-4)
    assert torch.allclose(detrend(x + 2.0), detrend(x), atol=1e-4)


def test_detrend_module_matches_functional_and_shows_degree():
    x = torch.randn(4, 1, 40)
    assert torch.equal(Detrend(0)(x), detrend(x, 0))
    assert torch.allclose(Detrend(0)(x).mean(-1), torch.zeros(4, 1), atol=1e-6)
    assert "degree=0, keep_mean=False" in repr(Detrend(0))
    assert torch.equal(Detrend(1, keep_mean=True)(x), detrend(x, 1, keep_mean=True))
    with pytest.raises(TypeError, match="keep_mean"):
        Detrend(1, keep_mean="yes")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: detrend(torch.randn(2, 2), degree=1), ValueError, "at least 3 samples"),
        (lambda: detrend(torch.randn(2, 8), degree=-1), ValueError, "degree"),
        (lambda: detrend(torch.randn(2, 8), degree=1.5), TypeError, "degree"),
        (lambda: detrend(torch.arange(8), degree=1), TypeError, "floating"),
        (lambda: detrend([1.0, 2.0, 3.0]), TypeError, "torch.Tensor"),
    ],
)
def test_detrend_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_detrend_cnn_is_invariant_to_added_ramps_and_the_plain_cnn_is_not():
    torch.manual_seed(0)
    x = torch.randn(8, 1, 40)
    ramp = 2.0 * torch.linspace(-0.5, 0.5, 40)
    model = create_model("detrend_cnn", in_shape=(1, 40), channels=8, depth=2).eval()
    assert torch.allclose(model(x + ramp), model(x), atol=1e-4)
    plain = create_model("cnn", in_shape=(1, 40), channels=8, depth=2).eval()
    assert not torch.allclose(plain(x + ramp), plain(x), atol=1e-2)
    assert layer_names(model) == ["detrend", "conv1", "conv2", "pool", "logits"]
    assert model.detrend.keep_mean  # the default removes only MNIST-1D's zero-mean shear


def test_detrend_cnn_takes_signals_only():
    with pytest.raises(ValueError, match="in_shape must be"):
        create_model("detrend_cnn", in_shape=(1, 8, 8))


def test_cnn_strided_has_the_papers_shape():
    model = create_model("cnn_strided", in_shape=(1, 40), num_classes=10)
    # 40 → 19 → 10 → 5 positions, 25 channels: a 125-feature linear read-out (ConvBase).
    assert model.logits.in_features == 125
    params = sum(p.numel() for p in model.parameters())
    assert params == (25 * 5 + 25) + 2 * (25 * 25 * 3 + 25) + (125 * 10 + 10)
    assert layer_names(model) == ["conv1", "conv2", "conv3", "flatten", "logits"]
    assert model(torch.randn(3, 1, 40)).shape == (3, 10)
    assert create_model("cnn_strided", in_shape=(1, 12, 12), num_classes=4)(
        torch.randn(2, 1, 12, 12)
    ).shape == (2, 4)


def test_cnn_strided_is_not_shift_invariant():
    torch.manual_seed(0)
    model = create_model("cnn_strided", in_shape=(1, 40)).eval()
    x = torch.randn(8, 1, 40)
    moved = Shift(5).apply(x, torch.tensor([3.0]))
    assert not torch.allclose(model(x), model(moved), atol=1e-3)
