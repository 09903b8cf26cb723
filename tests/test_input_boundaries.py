"""Bad input fails at the boundary in one line naming the argument; no silent wrong answer.

Each test states a general check (one rule for model outputs, labels are classes, a grid has
two points, data fits the model, dtypes are cast or refused, devices exist, ties do not inflate
the Goodfellow score) through one or two of the cases that it catches.
"""

import warnings

import pytest
import torch
from torch import nn

from invlab._validation import check_device, first_output
from invlab.data.spec import parse_data
from invlab.invariants import FourierModulus
from invlab.measure import compute_profile, goodfellow_unit_scores, profile, sampled_sensitivity
from invlab.models import create_model
from invlab.train import train
from invlab.transforms import Shift


def logits_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 10))


class WithExtras(nn.Module):
    """Returns ``(logits, features)``, as many models do."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x), x


@pytest.fixture
def data():
    torch.manual_seed(1)
    return torch.randn(200, 1, 16), torch.randint(10, (200,))


def test_a_tuple_output_is_read_as_its_first_element_everywhere(data):
    plain = logits_model()
    expected = profile(plain, data, Shift(4), steps=5)
    got = profile(WithExtras(plain), data, Shift(4), steps=5)
    for metric in ("accuracy", "consistency"):
        assert (got.metric == metric).any(), metric  # not silently dropped
    want = expected.query("metric in ['accuracy', 'consistency']").value.to_numpy()
    have = got.query("metric in ['accuracy', 'consistency']").value.to_numpy()
    assert have.tolist() == want.tolist()
    train(WithExtras(logits_model()), *data, epochs=1)  # training follows the same rule
    with pytest.raises(TypeError, match="model's output must be a tensor or a tuple"):
        first_output({"logits": torch.zeros(1)})


@pytest.mark.parametrize("bad", [10, -1])
def test_labels_outside_the_classes_are_refused(data, bad):
    x, y = data
    y = y.clone()
    y[3] = bad
    with pytest.raises(ValueError, match=rf"y holds the label {bad}, outside \[0, 10\)"):
        profile(logits_model(), (x, y), Shift(4), steps=3)
    batches = [(x[:100], y[:100]), (x[100:], y[100:])]  # a loader's batches: checked as they come
    with pytest.raises(ValueError, match=r"outside \[0, 10\)"):
        profile(logits_model(), batches, Shift(4), steps=3)
    with pytest.raises(ValueError, match=r"y holds the label .*outside \[0, 10\)"):
        train(logits_model(), x, y, epochs=1)


def test_non_integer_labels_are_refused(data):
    x, y = data
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        profile(logits_model(), (x, y.float() + 0.5), Shift(4), steps=3)
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        train(logits_model(), x, y.float(), epochs=1)


@pytest.mark.parametrize(("transform", "steps"), [(Shift(4), 1), (Shift(0), 9)])
def test_an_identity_only_grid_is_refused_not_reported_invariant(data, transform, steps):
    with pytest.raises(ValueError, match="holds only the identity"):
        profile(logits_model(), data, transform, steps=steps)


def test_sampling_only_the_identity_is_refused(data):
    with pytest.raises(ValueError, match="can only draw the identity"):
        sampled_sensitivity(logits_model(), data[0], Shift(0))


def test_data_that_does_not_fit_the_model_is_one_line(data):
    images = parse_data("digits").x_test[:200]
    with pytest.raises(ValueError, match=r"the model fails on data of shape \(1, 8, 8\)"):
        profile(logits_model(), images, Shift(1, dims=2), steps=3)
    with pytest.raises(ValueError, match=r"the model fails on data of shape \(1, 16\)"):
        profile(nn.Sequential(nn.Conv2d(1, 2, 3)), data[0], Shift(4), steps=3)
    with pytest.raises(ValueError, match=r"the model fails on x of shape \(3, 16\)"):
        train(create_model("cnn", in_shape=(1, 16)), torch.randn(20, 3, 16), data[1][:20])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_real_data_is_cast_to_the_models_dtype(data, dtype):
    x, y = data
    x = x.to(dtype)
    model = logits_model()
    want = profile(model, (x.float(), y), Shift(4), steps=3)
    got = profile(model, (x, y), Shift(4), steps=3)
    assert got.value.tolist() == pytest.approx(want.value.tolist(), nan_ok=True)
    train(logits_model(), x, y, epochs=1)


def test_complex_data_into_a_real_model_is_refused(data):
    with pytest.raises(TypeError, match=r"data is complex .* pass data.real or data.abs\(\)"):
        profile(logits_model(), data[0].to(torch.complex64), Shift(4), steps=3)


def test_a_half_precision_model_measures_float32_data(data):
    model = logits_model().half()
    df = profile(model, data, Shift(4), steps=3, metrics=["sensitivity", "accuracy"])
    assert df.value.notna().all()


def test_unknown_and_absent_devices_are_named(data):
    with pytest.raises(ValueError, match="device 'banana' is not a device"):
        profile(logits_model(), data, Shift(4), device="banana")
    with pytest.raises(ValueError, match="--device 'banana' is not a device"):
        check_device("banana", "--device")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA device"):
            check_device("cuda")
    assert check_device("cpu") == torch.device("cpu")


def test_goodfellow_ties_keep_the_firing_rate_and_the_score_below_one_over_g():
    # Digit pixels take 17 values: the 1 % threshold ties, and without tie-breaking G fell to
    # a few inputs and S = L / G rose above 1 / G (170 here, 275 in the report).
    x = parse_data("digits").x_test
    result = compute_profile(nn.Flatten(), x, Shift(2, dims=2), ["input"], metrics=["goodfellow"])
    scores = result.goodfellow_units["input"]
    valid = scores[~torch.isnan(scores)]
    assert valid.numel() > 0
    one_over_g = x.shape[0] / round(0.01 * x.shape[0])  # k = 4 of 450 inputs fire: 112.5
    assert float(valid.max()) <= one_over_g + 1e-6
    # an exactly invariant map with heavy ties still scores 1 / G on every firing unit
    torch.manual_seed(0)
    ties = torch.randint(0, 3, (500, 1, 32)).float()
    s = goodfellow_unit_scores(nn.Sequential(FourierModulus()), ties, Shift(16), ["0"])["0"]
    valid = s[~torch.isnan(s)]
    assert torch.allclose(valid, torch.full_like(valid, 100.0), rtol=1e-4)


def test_fourier_modulus_warns_when_dims_2_meets_a_channel_axis():
    with pytest.warns(UserWarning, match="for \\(B, C, N\\) signals use dims=1"):
        FourierModulus(dims=2)(torch.randn(4, 2, 16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FourierModulus(dims=2)(torch.randn(4, 1, 16, 16))
        FourierModulus(dims=1)(torch.randn(4, 2, 16))
