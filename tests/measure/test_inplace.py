"""Measurement measures the model, not an artefact (issue #19, sections 2, 3 and 7): in-place
ops cannot rewrite stored activations, a reused module is flagged, constant data is explained,
``profile``'s data forms never collide, and every figure says what it shows."""

import warnings

import pandas as pd
import pytest
import torch
from rich.console import Console
from torch import nn

from invlab.cli.measure_cmd import summary_table
from invlab.measure import profile
from invlab.measure.plots import plot_layers, save_figures
from invlab.measure.profiling import compute_profile
from invlab.transforms import Rotate, Shift


class Block(nn.Module):
    """conv, activation, conv with a residual sum: ``act`` may be in place, ``+=`` may be."""

    def __init__(self, act: nn.Module, inplace_sum: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.act = act
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5))
        self.inplace_sum = inplace_sum

    def forward(self, x):
        h = self.act(self.conv1(x))
        y = self.conv2(h)
        if self.inplace_sum:
            y += h  # rewrites conv2's output after its hook ran
            y.relu_()
        else:
            y = torch.relu(y + h)
        return self.head(y)


def block(act: nn.Module, inplace_sum: bool) -> Block:
    torch.manual_seed(0)
    return Block(act, inplace_sum)


PAIRS = [
    (nn.ReLU(inplace=True), nn.ReLU()),
    (nn.Hardtanh(inplace=True), nn.Hardtanh()),
    (nn.LeakyReLU(0.1, inplace=True), nn.LeakyReLU(0.1)),
]


@pytest.mark.parametrize(("inplace", "plain"), PAIRS, ids=lambda m: type(m).__name__)
def test_in_place_ops_give_the_same_values_bit_for_bit(inplace, plain):
    x = torch.randn(100, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    y = torch.randint(5, (100,), generator=torch.Generator().manual_seed(2))
    t = Rotate((-30, 30))
    a = profile(block(inplace, True), (x, y), t, steps=4)
    b = profile(block(plain, False), (x, y), t, steps=4)
    assert set(a.layer) >= {"conv1", "act", "conv2"}
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_module_used_twice_in_forward_is_flagged():
    class Reused(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(1, 4, 3, padding=1)
            self.act = nn.ReLU()
            self.conv2 = nn.Conv1d(4, 4, 3, padding=1)

        def forward(self, x):
            return self.act(self.conv2(self.act(self.conv1(x))))

    x = torch.randn(30, 1, 16)
    with pytest.warns(UserWarning, match=r"'act' runs more than once.*last call"):
        profile(Reused(), x, Shift(3), metrics=["sensitivity"])
    with warnings.catch_warnings():  # measuring other layers only: nothing to flag
        warnings.simplefilter("error")
        profile(Reused(), x, Shift(3), ["conv1", "conv2"], metrics=["sensitivity"])


def test_constant_data_warns_and_the_table_shows_n_a_with_the_reason():
    net = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    with pytest.warns(UserWarning, match=r"all 100 inputs are identical.*n/a"):
        df = profile(net, torch.ones(100, 1, 16), Shift(3), metrics=["sensitivity", "goodfellow"])
    assert df[df.metric == "sensitivity"].value.isna().all()
    console = Console(width=200, record=True)
    console.print(summary_table(df))
    text = console.export_text()
    assert "sensitivity" in text and "goodfellow" in text  # the columns stay
    assert "n/a" in text and "constant data" in text


def test_a_list_of_two_batches_is_batches_and_a_tuple_is_x_y():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(64, 3))
    x = torch.randn(40, 1, 16)
    whole = profile(net, x, Shift(3), metrics=["sensitivity"])
    split = profile(net, [x[:25], x[25:]], Shift(3), metrics=["sensitivity"])
    pd.testing.assert_frame_equal(whole, split, rtol=1e-6)
    with pytest.raises(ValueError, match=r"tuple must be the pair \(x, y\).*list"):
        profile(net, (x[:20], x[20:30], x[30:]), Shift(3))


def test_batches_of_unequal_shapes_and_labels_in_the_layers_slot_are_refused():
    net = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.AdaptiveAvgPool1d(1), nn.Flatten())
    x = torch.randn(40, 1, 16)
    with pytest.raises(ValueError, match=r"batch 2 has inputs of shape \(1, 20\)"):
        profile(net, [x[:10], x[10:20], torch.randn(5, 1, 20)], Shift(3))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.ConcatDataset([x[:10], torch.randn(10, 1, 20)]), batch_size=10
    )
    with pytest.raises(ValueError, match="every batch must hold inputs of one shape"):
        profile(net, loader, Shift(3), metrics=["sensitivity"])
    with pytest.raises(TypeError, match=r"labels go in the data: data=\(x, y\)"):
        profile(net, x, Shift(3), torch.randint(3, (40,)))


def test_every_figure_names_model_transform_and_n(tmp_path, monkeypatch):
    import invlab.measure.plots as plots

    made = []
    build = plots._figure
    monkeypatch.setattr(plots, "_figure", lambda *a: made.append(build(*a)) or made[-1])
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    x, y = torch.randn(100, 1, 16), torch.randint(3, (100,))
    t = Shift(3)
    result = compute_profile(net, (x, y), t, steps=5)
    paths = save_figures(result, result.to_frame("mynet"), tmp_path, t)
    assert len(paths) == len(made) >= 4
    for fig in made:
        title = fig.get_suptitle()
        assert "mynet" in title and "Shift" in title and "n = 100" in title


def test_the_goodfellow_log_axis_has_numbers_for_values_within_one_decade():
    df = pd.DataFrame(
        {
            "model": "m",
            "layer": ["a", "b", "c"],
            "metric": "goodfellow",
            "param": None,
            "value": [1.6, 2.4, 3.1],
        }
    )
    fig = plot_layers(df, "goodfellow")
    fig.canvas.draw()
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    shown = [
        t.get_text()
        for t in ax.yaxis.get_ticklabels()
        if t.get_text() and low <= t.get_position()[1] <= high
    ]
    assert len(shown) >= 2


def test_an_in_place_first_op_rewrites_neither_the_data_nor_the_input_layer():
    def net(inplace):
        torch.manual_seed(0)
        return nn.Sequential(nn.ReLU(inplace=inplace), nn.Conv1d(1, 4, 3, padding=1), nn.Flatten())

    x = torch.randn(100, 1, 16, generator=torch.Generator().manual_seed(3))
    kept = x.clone()
    a = profile(net(True), x, Shift(3), steps=3)
    assert torch.equal(x, kept)
    pd.testing.assert_frame_equal(a, profile(net(False), x, Shift(3), steps=3), check_exact=True)


def test_undefined_goodfellow_scores_draw_n_a_instead_of_failing(tmp_path):
    df = pd.DataFrame(
        {
            "model": "m",
            "layer": ["a", "b"],
            "metric": "goodfellow",
            "param": None,
            "value": [float("nan")] * 2,
        }
    )
    fig = plot_layers(df, "goodfellow")
    fig.savefig(tmp_path / "g.png")
    assert any("n/a" in t.get_text() for t in fig.axes[0].texts)
