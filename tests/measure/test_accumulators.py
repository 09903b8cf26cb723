"""The metrics' accumulators: properties that follow from their formulas and from streaming."""

import itertools

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from invlab.invariants import FourierModulus
from invlab.measure import compute_profile, consistency, sensitivity
from invlab.measure.metrics.consistency import ConsistencyAccumulator
from invlab.measure.metrics.equivariance import ShiftAction
from invlab.measure.metrics.sensitivity import SensitivityAccumulator
from invlab.models import Staged, create_model
from invlab.transforms import Shift

STEPS = 5  # Shift(4).grid(5): T = 5


def conv_model() -> nn.Module:
    """A circular CNN in float64: feature maps (equivariance), pooled features, logits."""
    torch.manual_seed(0)
    return create_model("cnn", in_shape=(1, 16), channels=3, depth=1).double()


def data(n: int = 120):
    gen = torch.Generator().manual_seed(3)
    return torch.randn(n, 1, 16, generator=gen, dtype=torch.float64), torch.randint(
        0, 10, (n,), generator=gen
    )


def assert_same_profile(a, b):
    assert a.layers == b.layers
    for name in a.layers:
        torch.testing.assert_close(a.goodfellow_units[name], b.goodfellow_units[name])
        assert a.sensitivity[name] == pytest.approx(b.sensitivity[name], rel=1e-9, abs=1e-15)
    assert set(a.equivariance) == set(b.equivariance) and a.equivariance
    for name in a.equivariance:
        assert a.equivariance[name] == pytest.approx(b.equivariance[name], rel=1e-9, abs=1e-15)
    assert a.accuracy.tolist() == b.accuracy.tolist()
    assert a.consistency == pytest.approx(b.consistency, rel=1e-12)


@pytest.mark.parametrize("batch_size", [STEPS, 7 * STEPS, 1000 * STEPS])  # 1, 7 or all inputs
def test_batch_size_does_not_change_any_metric(batch_size):
    x, y = data()
    one_batch = compute_profile(conv_model(), (x, y), Shift(4), steps=STEPS, batch_size=10**6)
    streamed = compute_profile(conv_model(), (x, y), Shift(4), steps=STEPS, batch_size=batch_size)
    assert_same_profile(streamed, one_batch)


def test_batches_of_uneven_sizes_give_the_one_batch_result():
    x, y = data()
    whole = compute_profile(conv_model(), (x, y), Shift(4), steps=STEPS, batch_size=10**6)
    cuts = [0, 1, 14, 15, 70, 120]
    pieces = [(x[a:b], y[a:b]) for a, b in itertools.pairwise(cuts)]
    assert_same_profile(compute_profile(conv_model(), pieces, Shift(4), steps=STEPS), whole)
    loader = DataLoader(TensorDataset(x, y), batch_size=17, shuffle=False)
    assert_same_profile(compute_profile(conv_model(), loader, Shift(4), steps=STEPS), whole)


def test_sensitivity_accumulator_fed_in_pieces_equals_one_update():
    gen = torch.Generator().manual_seed(0)
    base = torch.randn(30, 4, generator=gen, dtype=torch.float64)
    moved = torch.randn(30, 3, 4, generator=gen, dtype=torch.float64)
    whole, pieces = SensitivityAccumulator("h", 3), SensitivityAccumulator("h", 3)
    whole.add(base, moved)
    for a, b in ((0, 1), (1, 12), (12, 30)):
        pieces.add(base[a:b], moved[a:b])
    assert pieces.result() == pytest.approx(whole.result(), rel=1e-12)
    # the denominator is the mean over all ordered pairs x ≠ x′, written out
    pairs = [(i, j) for i in range(30) for j in range(30) if i != j]
    between = sum(float((base[i] - base[j]).square().sum()) for i, j in pairs) / len(pairs)
    assert whole.between_inputs() == pytest.approx(between, rel=1e-12)


@pytest.mark.parametrize("firing_rate", [0.01, 0.02, 0.05])
def test_goodfellow_of_an_exactly_invariant_map_is_one_over_g(firing_rate):
    x = torch.randn(400, 1, 32, dtype=torch.float64)
    result = compute_profile(
        Staged(fourier=FourierModulus()), x, Shift(8), ["fourier"], metrics=["goodfellow"],
        firing_rate=firing_rate,
    )  # fmt: skip
    k = round(firing_rate * 400)
    valid = result.goodfellow_units["fourier"]
    valid = valid[~torch.isnan(valid)]
    assert valid.numel() > 0
    torch.testing.assert_close(valid.double(), torch.full_like(valid, 400 / k).double())


def test_goodfellow_leaves_out_units_that_are_constant_on_the_data():
    # Units 0-3 are dead ReLUs (zero on every input); units 4-7 see the raw signal. Through
    # their ties the dead units would score the ceiling 1 / G and fill the layer's top fifth.
    x = torch.randn(400, 1, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    linear = nn.Linear(16, 8, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.tensor([-1.0] * 4 + [0.0] * 4, dtype=torch.float64))
        linear.weight[4:, :4] = torch.eye(4, dtype=torch.float64)
    model = Staged(flatten=nn.Flatten(), units=nn.Sequential(linear, nn.ReLU()))
    result = compute_profile(model, x, Shift(4), ["units"], metrics=["goodfellow"])
    scores = result.goodfellow_units["units"]
    assert torch.isnan(scores[:4]).all()  # constant: no preferred input, no score
    live = scores[4:]
    assert not torch.isnan(live).any() and float(live.max()) < 40  # far below 1 / G = 100
    # an exactly invariant, never-constant map still scores its ceiling
    both = Staged(fourier=FourierModulus())
    ceiling = compute_profile(both, x, Shift(4), ["fourier"], metrics=["goodfellow"])
    valid = ceiling.goodfellow_units["fourier"]
    assert torch.allclose(valid[~torch.isnan(valid)].double(), torch.tensor(100.0).double())


def test_sensitivity_of_an_invariant_map_is_zero():
    x = torch.randn(100, 1, 32, dtype=torch.float64)
    s = sensitivity(Staged(fourier=FourierModulus()), x, Shift(8), ["input", "fourier"])
    s = s.set_index("layer").value
    assert s["fourier"] < 1e-20
    assert s["input"] > 0.5  # the raw signal is not invariant: the check discriminates


def test_consistency_of_a_shift_invariant_model_is_one():
    torch.manual_seed(0)
    model = create_model("cnn", in_shape=(1, 32), channels=4, depth=2)  # circular conv + pool
    x = torch.randn(200, 1, 32)
    assert consistency(model, x, Shift(15), steps=7) == 1.0
    flat = nn.Sequential(nn.Flatten(), nn.Linear(32, 10))  # position-dependent read-out
    assert consistency(flat, x, Shift(15), steps=7) < 0.9


def test_consistency_accumulator_counts_agreeing_pairs():
    # one input, T = 3, predictions (0, 0, 1): 5 of the 9 ordered pairs agree
    logits = torch.tensor([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
    acc = ConsistencyAccumulator()
    acc.add(logits)
    assert acc.result() == pytest.approx(5 / 9)


@pytest.mark.parametrize("mode", ["circular", "zeros"])
def test_shift_action_is_the_shift_transform_divided_by_the_stride(mode):
    base = torch.randn(4, 2, 12)
    action = ShiftAction([2], mode)
    params = torch.tensor([[4.0], [-2.0], [6.0], [0.0]])
    expected = Shift(dims=1, mode=mode).apply(base, params / 2)
    torch.testing.assert_close(action(base, params), expected)
    with pytest.raises(ValueError, match="not smaller than the signal's length 12"):
        action.trajectory_error(base, base.unsqueeze(1), torch.tensor([[24.0]]))
