"""SP, NTK and μP: the NTK one is the kernels' own network, and only μP keeps learning features
as the width grows (the coordinate check of Tensor Programs V)."""

from __future__ import annotations

import pytest
import torch

from invlab.kernels import StaxCNN, StaxMLP
from invlab.kernels.parameterisations import ParameterisedNet, sgd_groups

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_ntk_parameterisation_is_the_stax_network_draw_for_draw():
    x = torch.randn(5, 1, 12)
    for make_stax, conv in [
        (lambda: StaxMLP(12, 3, width=32, depth=2), False),
        (lambda: StaxCNN((1, 12), 3, width=8, depth=2, readout="flatten"), True),
    ]:
        torch.manual_seed(3)
        stax = make_stax()
        torch.manual_seed(3)
        net = ParameterisedNet((1, 12), 3, width=32 if not conv else 8, depth=2, conv=conv)
        torch.testing.assert_close(net(x), stax(x), rtol=0, atol=0)
        torch.testing.assert_close(net.features(x), stax.features(x), rtol=0, atol=0)


def _factors(parameterisation: str, width: int, base: int) -> list[tuple[float, float]]:
    net = ParameterisedNet((1, 6), 2, width, depth=2, parameterisation=parameterisation,
                           base_width=base)  # fmt: skip
    layers = [*net.hidden, net.readout]
    return [(layer.weight.lr_scale, layer.bias.lr_scale) for layer in layers]


def test_learning_rate_factors_follow_the_abc_table():
    # (input W, b), (hidden W, b), (read-out W, b) at m = width / base = 4
    assert _factors("sp", 64, 16) == [(0.25, 0.25)] * 3
    assert _factors("ntk", 64, 16) == [(1.0, 1.0)] * 3
    assert _factors("mup", 64, 16) == [(4.0, 4.0), (1.0, 4.0), (4.0, 1.0)]
    net = ParameterisedNet((1, 6), 2, 64, depth=2, parameterisation="mup", base_width=16)
    assert net.readout.a == 0.25 and float(net.readout.weight.detach().abs().max()) == 0.0
    groups = sgd_groups(net, lr=0.5)
    assert sorted(g["lr"] for g in groups) == [0.5, 2.0]
    assert sum(len(g["params"]) for g in groups) == len(list(net.parameters()))


def _feature_update(parameterisation: str, width: int, seed: int, steps: int = 5) -> float:
    """RMS over coordinates of the change of the last hidden layer's activations after
    ``steps`` full-batch SGD steps, base width 64, learning rate 0.05."""
    gen = torch.Generator().manual_seed(100 + seed)
    x, y = torch.randn(32, 1, 20, generator=gen), torch.randn(32, 3, generator=gen)
    torch.manual_seed(seed)
    net = ParameterisedNet((1, 20), 3, width, depth=2, parameterisation=parameterisation)
    before = net.features(x).detach()
    optimiser = torch.optim.SGD(sgd_groups(net, lr=0.05))
    for _ in range(steps):
        optimiser.zero_grad()
        (0.5 * (net(x) - y).square().sum(1).mean()).backward()
        optimiser.step()
    return float((net.features(x).detach() - before).square().mean().sqrt())


@pytest.mark.parametrize(
    ("parameterisation", "low", "high"),
    # width 64 → 1024 (16×): μP's feature updates stay of order one; SP (learning rate ∝ 1/m)
    # and NTK go lazy, shrinking like 1/√16 = 0.25.
    [("mup", 0.5, 2.0), ("ntk", 0.0, 0.45), ("sp", 0.0, 0.45)],
)
def test_coordinate_check_only_mup_keeps_its_feature_updates_as_width_grows(
    parameterisation, low, high
):
    ratios = [
        _feature_update(parameterisation, 1024, s) / _feature_update(parameterisation, 64, s)
        for s in range(3)
    ]
    ratio = sum(ratios) / len(ratios)
    assert low <= ratio <= high, f"{parameterisation}: Δh(1024) / Δh(64) = {ratio:.3f}"


def test_mup_read_out_starts_at_zero_and_the_others_do_not():
    x = torch.randn(4, 1, 10)
    with torch.no_grad():
        outputs = {
            p: ParameterisedNet((1, 10), 3, 32, parameterisation=p)(x) for p in "sp ntk mup".split()
        }
    assert float(outputs["mup"].abs().max()) == 0
    assert float(outputs["sp"].abs().min()) > 0 and float(outputs["ntk"].abs().min()) > 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"parameterisation": "mf"}, ValueError, r"parameterisation must be one of .*got 'mf'"),
        ({"base_width": 0}, ValueError, "base_width must be >= 1, got 0"),
        ({"width": 2.5}, TypeError, r"width must be an int, got float \(2.5\)"),
        ({"in_shape": (40,)}, ValueError, r"in_shape must be \(C, N\) or \(C, H, W\), got \(40,\)"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, message):
    args = {"in_shape": (1, 40), "out_features": 10, "width": 16, **kwargs}
    with pytest.raises(error, match=message):
        ParameterisedNet(**args)


def test_repr_names_the_parameterisation_and_each_layers_factors():
    net = ParameterisedNet((1, 40), 10, 128, parameterisation="mup", base_width=32, conv=True)
    text = repr(net)
    assert "cnn flatten, width=128, depth=1, parameterisation='mup', base_width=32" in text
    assert "role='readout', a=0.25" in text and "lr_scale=4/1" in text
