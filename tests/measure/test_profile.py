"""invlab.measure.profile: values of every metric against slow references and known answers."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from invlab.invariants import FourierModulus
from invlab.measure import (
    compute_profile,
    goodfellow_unit_scores,
    layer_score,
    measure,
    profile,
)
from invlab.measure.metrics.topk import RunningTopK
from invlab.models import Staged
from invlab.transforms import Rotate90, Shift


def tiny_model() -> nn.Module:
    """Linear → tanh in float64: units that fire positively and negatively, no ties."""
    torch.manual_seed(1)
    return Staged(
        flatten=nn.Flatten(), lin=nn.Linear(16, 6), act=nn.Tanh(), head=nn.Linear(6, 3)
    ).double()


def unit_activations(model, layer, x):
    store = {}
    handle = dict(model.named_modules())[layer].register_forward_hook(
        lambda _m, _i, out: store.__setitem__("h", out.detach().flatten(1))
    )
    with torch.no_grad():
        model(x)
    handle.remove()
    return store["h"]


def reference_goodfellow(model, layer, x, transform, steps, rate, sign):
    """Goodfellow et al. (2009), written out with loops over units and inputs."""
    grid = transform.grid(steps)
    n = x.shape[0]
    k = max(1, round(rate * n))
    h = sign * unit_activations(model, layer, x)
    scores, thresholds = [], []
    for u in range(h.shape[1]):
        column = sorted(h[:, u].tolist(), reverse=True)
        t = column[k]  # k values lie above the (k+1)-th largest: G = k / N
        thresholds.append(t)
        firing = [i for i in range(n) if h[i, u] > t]
        global_rate = len(firing) / n
        local_rates = []
        for i in firing:
            on = 0
            for theta in grid:
                moved = transform.apply(x[i : i + 1], theta)
                on += bool(sign * unit_activations(model, layer, moved)[0, u] > t)
            local_rates.append(on / len(grid))
        scores.append(sum(local_rates) / len(local_rates) / global_rate)
    return torch.tensor(scores, dtype=torch.float64), torch.tensor(thresholds)


def smooth_signals(n: int) -> torch.Tensor:
    """Circular moving averages of noise: a shift by a sample or two changes them little."""
    torch.manual_seed(2)
    noise = torch.randn(n, 1, 16, dtype=torch.float64)
    return sum(noise.roll(s, -1) for s in range(-2, 3)) / 5


@pytest.fixture(scope="module")
def reference():
    model = tiny_model()
    x = smooth_signals(300)
    shift = Shift(4)
    pos = reference_goodfellow(model, "act", x, shift, 5, 0.01, 1.0)
    neg = reference_goodfellow(model, "act", x, shift, 5, 0.01, -1.0)
    return model, x, shift, pos, neg


def test_goodfellow_equals_slow_reference(reference):
    model, x, shift, (pos, _), _ = reference
    # batches of 7 inputs (35 / T): the running top-(k+1) merges across ~43 batches
    result = compute_profile(
        model, x, shift, ["act"], metrics=["goodfellow"], steps=5, batch_size=35,
        polarity="positive",
    )  # fmt: skip
    torch.testing.assert_close(result.goodfellow_units["act"].double(), pos, rtol=1e-6, atol=0)
    top = sorted(pos.tolist(), reverse=True)[: max(1, round(0.2 * 6))]
    assert result.goodfellow()["act"] == pytest.approx(sum(top) / len(top), rel=1e-6)


def test_goodfellow_sign_handling_matches_reference(reference):
    model, x, shift, (pos, t_pos), (neg, t_neg) = reference
    both = compute_profile(
        model, x, shift, ["act"], metrics=["goodfellow"], steps=5, batch_size=55, polarity="both"
    ).goodfellow_units["act"]
    torch.testing.assert_close(both.double(), torch.cat([pos, neg]), rtol=1e-6, atol=0)
    # auto: each unit fires in the direction of the tail that reaches farther from its mean
    mean = unit_activations(model, "act", x).mean(0)
    expected = torch.where(t_neg + mean > t_pos - mean, neg, pos)
    auto = compute_profile(
        model, x, shift, ["act"], metrics=["goodfellow"], steps=5, polarity="auto"
    ).goodfellow_units["act"]
    torch.testing.assert_close(auto.double(), expected, rtol=1e-6, atol=0)
    picks_negative = t_neg + mean > t_pos - mean
    assert picks_negative.any() and not picks_negative.all()  # both directions occur
    assert len(set(pos.tolist())) > 2  # scores vary between units: a discriminating check


def test_goodfellow_unit_scores_equals_reference(reference):
    model, x, shift, (pos, _), _ = reference
    scores = goodfellow_unit_scores(model, x, shift, ["act"], steps=5, batch_size=20)
    torch.testing.assert_close(scores["act"].double(), pos, rtol=1e-6, atol=0)


def test_running_top_k_equals_full_top_k():
    torch.manual_seed(0)
    h = torch.randn(103, 5)
    tail = RunningTopK(4, merge_rows=16)  # merges every 2 batches, and once at the end
    for start in range(0, 103, 10):
        tail.update(h[start : start + 10], start)
    full = h.topk(4, dim=0)
    assert torch.equal(tail.kth(), full.values[-1])
    torch.testing.assert_close(tail.values.sort(0).values, full.values.sort(0).values)
    assert torch.equal(tail.index.sort(0).values, full.indices.sort(0).values)
    low = RunningTopK(4, sign=-1.0, merge_rows=16)
    for start in range(0, 103, 10):
        low.update(h[start : start + 10], start)
    assert torch.equal(low.kth(), -h.topk(4, dim=0, largest=False).values[-1])


def test_exactly_invariant_layer_scores_one_over_g():
    # |F x| is exactly invariant to circular shifts: every firing input fires on its whole
    # trajectory, L = 1 and S = 1 / G = N / k.
    x = torch.randn(500, 1, 32)
    result = compute_profile(
        nn.Sequential(FourierModulus()), x, Shift(8), ["0"], metrics=["goodfellow"], steps=9
    )
    assert result.goodfellow()["0"] == pytest.approx(500 / 5)


def test_identity_representation_is_highly_sensitive():
    torch.manual_seed(0)
    x = torch.randn(400, 1, 32)  # white noise: ‖g x − x‖² and ‖x′ − x‖² have equal means
    result = compute_profile(nn.Identity(), x, Shift(8), ["input"], metrics=["sensitivity"])
    grid = result.grid[:, 0].tolist()
    for shift, value in zip(grid, result.sensitivity["input"]):
        if shift == 0:
            assert value == 0
        else:
            assert value == pytest.approx(1.0, abs=0.1)


def test_fourier_modulus_has_zero_sensitivity_under_circular_shifts():
    x = torch.randn(200, 1, 32, dtype=torch.float64)
    df = profile(nn.Sequential(FourierModulus()), x, Shift(8), ["input", "0"], steps=9)
    sens = df[(df.metric == "sensitivity") & (df.param == "mean")].set_index("layer").value
    assert sens["0"] < 1e-20
    assert sens["input"] > 0.5


class C4Mean(nn.Module):
    """``mean_k relu(conv(rot90^k x))``: exactly invariant to rot90 (a group pooling)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)

    def forward(self, x):
        return torch.stack([self.conv(torch.rot90(x, k, (-2, -1))).relu() for k in range(4)]).mean(
            0
        )


def test_group_pooled_model_is_invariant_to_rot90():
    torch.manual_seed(0)
    model = Staged(c4=C4Mean(), flatten=nn.Flatten(), logits=nn.Linear(4 * 8 * 8, 3)).double()
    x = torch.randn(200, 1, 8, 8, dtype=torch.float64)
    result = compute_profile(model, x, Rotate90(), ["input", "c4", "logits"], steps=4)
    assert max(result.sensitivity["c4"]) < 1e-20
    assert max(result.sensitivity["logits"]) < 1e-20
    assert result.sensitivity["input"][1:].min() > 0.5  # the raw image is not invariant
    assert result.goodfellow()["c4"] == pytest.approx(100.0)  # S = 1 / G, N = 200, k = 2
    assert result.consistency == pytest.approx(1.0)
    # the same convolution without the group pooling is not invariant
    plain = Staged(conv=model.c4.conv, act=nn.ReLU())
    control = compute_profile(plain, x, Rotate90(), ["act"], metrics=["sensitivity"])
    assert control.sensitivity["act"][1:].min() > 0.3


def test_consistency_and_accuracy_equal_direct_counts():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 4))
    x, y = torch.randn(90, 1, 16), torch.randint(0, 4, (90,))
    shift = Shift(3)
    result = compute_profile(
        model, (x, y), shift, ["0"], metrics=["accuracy", "consistency"], steps=7, batch_size=91
    )
    grid = shift.grid(7)
    with torch.no_grad():
        preds = torch.stack([model(shift.apply(x, theta)).argmax(1) for theta in grid], 1)
    accuracy = [(preds[:, j] == y).double().mean().item() for j in range(len(grid))]
    assert result.accuracy.tolist() == pytest.approx(accuracy)
    t = len(grid)
    agree = sum(
        int(preds[i, a] == preds[i, b]) for i in range(90) for a in range(t) for b in range(t)
    )
    assert result.consistency == pytest.approx(agree / (90 * t * t))


def test_data_loader_gives_the_same_profile_as_tensors():
    torch.manual_seed(0)
    model = tiny_model()
    x = torch.randn(200, 1, 16, dtype=torch.float64)
    y = torch.randint(0, 3, (200,))
    a = compute_profile(model, (x, y), Shift(4), steps=5, batch_size=125, metrics=None)
    loader = DataLoader(TensorDataset(x, y), batch_size=25, shuffle=False)
    b = compute_profile(model, loader, Shift(4), steps=5, metrics=None)
    for name in a.layers:
        torch.testing.assert_close(a.goodfellow_units[name], b.goodfellow_units[name])
        assert a.sensitivity[name].tolist() == pytest.approx(b.sensitivity[name].tolist())
    assert a.accuracy.tolist() == b.accuracy.tolist()


def test_profile_frame_is_tidy_and_measure_is_its_grid_mean():
    torch.manual_seed(0)
    model = tiny_model().float()
    x, y = torch.randn(200, 1, 16), torch.randint(0, 3, (200,))
    df = profile(model, (x, y), Shift(4), steps=5, model_name="tiny")
    assert list(df.columns) == ["model", "layer", "metric", "param", "value"]
    assert set(df.model) == {"tiny"}
    sens = df[(df.metric == "sensitivity") & (df.layer == "act")]
    assert sens.param.tolist() == [-4.0, -2.0, 0.0, 2.0, 4.0, "mean"]
    assert sens.value.iloc[-1] == pytest.approx(sens.value.iloc[:-1].mean())
    summary = measure(model, (x, y), Shift(4), steps=5, model_name="tiny")
    assert (summary[summary.metric == "sensitivity"].groupby("layer").size() == 1).all()
    merged = summary[summary.metric == "sensitivity"].set_index("layer").value
    assert merged["act"] == pytest.approx(sens.value.iloc[-1])
    acc_mean = summary.query("metric == 'accuracy' and param == 'mean'").value.item()
    assert 0 <= acc_mean <= 1
    # one set of defaults: measure, profile and the single-metric function agree exactly
    g = layer_score(goodfellow_unit_scores(model, x, Shift(4), ["act"], steps=5)["act"])
    assert summary.query("metric == 'goodfellow' and layer == 'act'").value.item() == g
    assert df.query("metric == 'goodfellow' and layer == 'act'").value.item() == g
    assert not math.isnan(g)


@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("mode", ["circular", "zeros"])
@pytest.mark.parametrize("stride", [1, 2])
def test_shift_action_trajectory_error_matches_per_point_loop(dims, mode, stride):
    from invlab.measure.metrics.equivariance import ShiftAction

    torch.manual_seed(0)
    action = ShiftAction([stride] * dims, mode)
    base = torch.randn(5, 3, *(12,) * dims)
    grid = torch.randint(-8, 9, (7, dims)).float()
    moved = torch.randn(5, 7, *base.shape[1:])
    loop = torch.stack(
        [
            torch.linalg.vector_norm(
                (action(base, grid[j].expand(5, -1)) - moved[:, j]).reshape(5, -1), dim=1
            ).sum()
            for j in range(7)
        ]
    )
    torch.testing.assert_close(action.trajectory_error(base, moved, grid), loop)


def test_running_top_k_prefilter_is_exact_with_ties_and_any_batching():
    # after the first merge only values beyond the kept k-th enter (compacted or skipped):
    # the k-th value and the firing (row, unit) pairs must equal a full top-k's
    gen = torch.Generator().manual_seed(1)
    for trial in range(60):
        n, units, k, b = (
            int(torch.randint(lo, hi, (), generator=gen))
            for lo, hi in ((5, 300), (1, 20), (1, 12), (1, 70))
        )
        if trial % 2:
            h = torch.randn(n, units, generator=gen)
        else:  # many ties, and ReLU-like zeros
            h = torch.randint(-3, 4, (n, units), generator=gen).float()
        if trial % 3 == 0:
            h = h.relu()
        for sign in (1.0, -1.0):
            tail = RunningTopK(
                k, sign=sign, merge_rows=int(torch.randint(1, 100, (), generator=gen))
            )
            for start in range(0, n, b):
                tail.update(h[start : start + b], start)
            t = tail.kth()
            assert torch.equal(t, (sign * h).topk(min(k, n), dim=0).values[-1])
            rows, unit = tail.firing(t)
            got = sorted(zip(rows.tolist(), unit.tolist()))
            assert got == sorted(map(tuple, ((sign * h) > t).nonzero().tolist()))
