"""The Lie derivative (Gruver et al. 2023): finite differences, exact invariance, aliasing by a
non-linearity and by subsampling, the attribution's sum, agreement with the equivariance error.
"""

import math

import pytest
import torch
from torch import nn

from invlab.measure import compute_profile, equivariance_error, lie_derivative, profile
from invlab.measure.metrics.lie import lie_contributions, lie_vectors
from invlab.measure.metrics.lie_actions import apply_action, tangent
from invlab.nn import BlurPool
from invlab.transforms import Compose, Rotate, Rotate90, Scale, Shift
from invlab.transforms.base import Transform


def smooth_images(n, size=12, seed=0):
    """Blobs that vanish at the border, as the periodic interpolant wants."""
    g = torch.Generator().manual_seed(seed)
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    rr, cc = r.view(-1, 1), r.view(1, -1)
    centres = (torch.rand(n, 2, 2, generator=g, dtype=torch.float64) - 0.5) * size / 3
    amps = torch.randn(n, 2, generator=g, dtype=torch.float64)
    out = torch.zeros(n, 1, size, size, dtype=torch.float64)
    for j in range(2):
        d2 = (rr - centres[:, j, 0, None, None]) ** 2 + (cc - centres[:, j, 1, None, None]) ** 2
        out[:, 0] += amps[:, j, None, None] * torch.exp(-d2 / 4)
    return out


def cnn2d(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.GELU(),
        nn.Conv2d(4, 4, 3, stride=2, padding=1),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(4 * 36, 5),
    ).double()


def cnn1d(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv1d(1, 4, 5, padding=2),
        nn.GELU(),
        nn.Conv1d(4, 4, 3, stride=2, padding=1),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(4 * 16, 5),
    ).double()


def central_difference(model, x, generator, h=1e-4):
    with torch.no_grad():
        plus = model(apply_action(x, generator, h))
        minus = model(apply_action(x, generator, -h))
    return (plus - minus) / (2 * h)


# Tolerances: relative max error of the JVP against a central difference with h = 1e-4 in
# float64 (truncation ~h² · f''' ≈ 1e-8 of the derivative's scale; measured ≤ 1e-8).
@pytest.mark.parametrize(
    ("generator", "tol"),
    [
        ("translate", 1e-6),
        ("translate_x", 1e-6),
        ("translate_y", 1e-6),
        ("rotate", 1e-6),
        ("scale", 1e-6),
    ],
)
def test_output_lie_derivative_matches_central_differences(generator, tol):
    if generator == "translate":
        model, x = cnn1d(), torch.randn(6, 1, 32, dtype=torch.float64)
    else:
        model, x = cnn2d(), smooth_images(6)
    jvp = lie_vectors(model, x, generator, ["output"])["output"].detach()
    fd = central_difference(model, x, generator)
    assert jvp.abs().max() > 1e-3  # a model that moves, so the comparison means something
    assert (jvp - fd).abs().max() <= tol * fd.abs().max()


def test_tangent_matches_central_differences_of_the_action():
    x = smooth_images(3, size=14)
    for generator in ("translate_x", "translate_y", "rotate", "scale"):
        fd = (apply_action(x, generator, 1e-5) - apply_action(x, generator, -1e-5)) / 2e-5
        assert (tangent(x, generator) - fd).abs().max() < 1e-7 * tangent(x, generator).abs().max()


def test_generators_turn_the_way_invlab_transforms_do():
    """Rotate (degrees, bilinear) and Scale move the content the same way as the generators."""
    x = smooth_images(2, size=20)
    rad = math.pi / 180
    rot = Rotate().apply(x, torch.tensor([1.0])) - Rotate().apply(x, torch.tensor([-1.0]))
    rot = rot / (2 * rad)
    scale = Scale((0.5, 2.0))
    zoom = scale.apply(x, torch.tensor([1.02])) - scale.apply(x, torch.tensor([1 / 1.02]))
    zoom = zoom / (2 * math.log(1.02))
    for fd, name in ((rot, "rotate"), (zoom, "scale")):
        a = tangent(x, name)
        cos = (a * fd).sum() / (a.norm() * fd.norm())
        assert cos > 0.99  # same direction (bilinear vs band-limited differ in detail)


def circular_net(nonlinearity: bool, dims=1, seed=0):
    torch.manual_seed(seed)
    conv = nn.Conv1d if dims == 1 else nn.Conv2d
    pool = nn.AdaptiveAvgPool1d(1) if dims == 1 else nn.AdaptiveAvgPool2d(1)
    act = nn.ReLU() if nonlinearity else nn.Identity()
    return nn.Sequential(
        conv(1, 6, 5, padding=2, padding_mode="circular"),
        act,
        conv(6, 6, 3, padding=1, padding_mode="circular"),
        pool,
        nn.Flatten(),
        nn.Linear(6, 3),
    )


@pytest.mark.parametrize("dims", [1, 2])
def test_linear_circular_net_is_exactly_invariant_and_relu_aliases(dims):
    torch.manual_seed(1)
    x = torch.randn(32, 1, 24) if dims == 1 else torch.randn(16, 1, 12, 12)
    t = Shift(4, dims=dims)
    linear = lie_derivative(circular_net(False, dims), x, t, ["output", "0", "2"])
    relu = lie_derivative(circular_net(True, dims), x, t, ["output"])
    with torch.no_grad():
        out_scale = float(circular_net(False, dims)(x).pow(2).sum(1).mean())
    lee = linear.query("metric == 'lie'").set_index(["layer", "param"]).value
    # float32: 0 to rounding (≈ 1e-12 of the output's squared norm)
    assert (lee < 1e-9 * out_scale).all(), lee
    relu_lee = relu.query("metric == 'lie' and param == 'mean'").value.item()
    assert relu_lee > 1e-4 * out_scale  # measured 3.7e-3 (1D), 5.7e-4 (2D): aliasing by the ReLU


def test_blurpool_before_subsampling_reduces_the_lie_derivative():
    def net(filter_size):
        torch.manual_seed(0)
        return nn.Sequential(
            nn.Conv1d(1, 8, 5, padding=2, padding_mode="circular"),
            nn.ReLU(),
            BlurPool(filter_size=filter_size, stride=2, dims=1, padding_mode="circular"),
            nn.Conv1d(8, 8, 3, padding=1, padding_mode="circular"),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(8, 4),
        ).double()

    torch.manual_seed(1)
    x = torch.randn(64, 1, 32, dtype=torch.float64)
    plain = lie_derivative(net(1), x, Shift(4), ["output"])  # filter 1: plain subsampling
    blurred = lie_derivative(net(3), x, Shift(4), ["output"])
    pick = "metric == 'lie' and param == 'mean'"
    # seed 0: 0.0148 vs 0.00164 of the output's squared norm (9×); seeds 0-4: 5× to 9×
    assert blurred.query(pick).value.item() < 0.5 * plain.query(pick).value.item()


def test_contributions_add_up_to_the_output_lie_derivative():
    model, x = cnn2d(), smooth_images(5)
    layers = [str(i) for i in range(len(model))]
    for generator in ("translate_x", "rotate", "scale"):
        total = lie_vectors(model, x, generator, ["output"])["output"].detach()
        parts = lie_contributions(model, x, generator, layers)
        summed = sum(p.detach() for p in parts.values())
        assert (summed - total).abs().max() < 1e-10 * total.abs().max()
        assert any(p.abs().max() > 1e-3 for p in parts.values())


class FourierShift(Transform):
    """Band-limited shift by ±h samples: the same action, as a grid for the equivariance error."""

    spatial_dims, param_dim = 1, 1

    def __init__(self, h):
        self.h = h

    def sample(self, n, generator=None):
        return torch.full((n, 1), self.h)

    def grid(self, steps):
        return torch.tensor([[-self.h], [self.h]])

    def _apply(self, x, params):
        return torch.stack(
            [apply_action(xi[None], "translate", float(p)) for xi, p in zip(x, params[:, 0])]
        )[:, 0]


def test_equivariant_layers_agree_with_the_equivariance_error():
    """For small h: e(h) · E‖φ(x)‖ / h → E‖L φ(x)‖ (ρ = the Fourier shift at the layer's stride,
    norm-preserving), per layer, including a stride-2 layer and aliasing non-linearities."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(1, 4, 5, padding=2, padding_mode="circular"),
        nn.ReLU(),
        nn.Conv1d(4, 4, 3, stride=2, padding=1, padding_mode="circular"),
        nn.Tanh(),
    ).double()
    x = torch.randn(12, 1, 32, dtype=torch.float64)
    h = 1e-5

    def rho(f, p):
        rate = f.shape[-1] / x.shape[-1]
        return torch.stack(
            [apply_action(fi[None], "translate", float(pi[0]) * rate)[0] for fi, pi in zip(f, p)]
        )

    layers = ["1", "2", "3"]
    df = equivariance_error(model, x, FourierShift(h), layers, rho=rho)
    vectors = lie_vectors(model, x, "translate", layers)
    with torch.no_grad():
        acts = {}
        hooks = [
            model[int(n)].register_forward_hook(lambda m, i, o, n=n: acts.update({n: o}))
            for n in layers
        ]
        model(x)
        for hk in hooks:
            hk.remove()
    for name in layers:
        e = df.query(f"layer == '{name}' and param == 'mean'").value.item()
        mean_norm = float(acts[name].flatten(1).norm(dim=1).mean())
        lie_norm = float(vectors[name].detach().flatten(1).norm(dim=1).mean())
        assert lie_norm > 1e-2 * mean_norm  # ReLU, strided conv, tanh: all alias
        assert e * mean_norm / h == pytest.approx(lie_norm, rel=1e-3)


def test_aggregations_follow_their_definitions():
    model, x = cnn1d(), torch.randn(10, 1, 32, dtype=torch.float64)
    v = lie_vectors(model, x, "translate", ["3"])["3"].detach().flatten(1)
    sq = lie_derivative(model, x, Shift(3), ["3"], batch_size=3)  # streamed in 4 batches
    ab = lie_derivative(model, x, Shift(3), ["3"], aggregation="abs")
    pick = "metric == 'lie' and param == 'translate'"
    assert sq.query(pick).value.item() == pytest.approx(float(v.pow(2).sum(1).mean()), rel=1e-9)
    assert ab.query(pick).value.item() == pytest.approx(float(v.abs().mean()), rel=1e-9)


def test_profile_measures_lie_only_when_named():
    model, x = circular_net(True), torch.randn(120, 1, 16)
    default = profile(model, x, Shift(2), ["output"])
    assert not default.metric.str.startswith("lie").any()
    named = compute_profile(model, x, Shift(2), ["2", "output"], metrics=["lie"])
    assert set(named.lie) == {"lie", "lie_contribution", "lie_relative"}
    assert named.lie["lie"]["output"]["translate"]["squared"] > 0


def test_bad_input_is_refused_clearly():
    model, x = circular_net(True), torch.randn(20, 1, 16)
    with pytest.raises(ValueError, match="lie_aggregation"):
        lie_derivative(model, x, Shift(2), aggregation="mean")
    with pytest.raises(ValueError, match="continuous transformation"):
        lie_derivative(model, x, Compose([Shift(2), Shift(1)]))
    images = torch.randn(4, 1, 8, 8)
    with pytest.raises(ValueError, match="continuous transformation"):
        lie_derivative(circular_net(True, dims=2), images, Rotate90())
    with pytest.raises(ValueError, match="spatial dimension"):
        lie_derivative(model, x, Rotate())  # 1D signals, a 2D rotation
    with pytest.raises(ValueError, match=r"NaN|finite"):
        lie_derivative(model, torch.full((4, 1, 16), float("nan")), Shift(2))
    with pytest.raises(ValueError, match="generator must be one of"):
        tangent(x, "shear")


def test_cli_writes_the_lie_table_and_figure(tmp_path):
    from typer.testing import CliRunner

    from invlab.cli import app

    source = tmp_path / "net.py"
    source.write_text(
        "from torch import nn\n"
        "def build():\n"
        "    return nn.Sequential(nn.Conv1d(1, 4, 5, padding=2, padding_mode='circular'),\n"
        "                         nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),\n"
        "                         nn.Linear(4, 10))\n"
    )
    out = tmp_path / "out"
    args = [
        "measure",
        "-m",
        f"{source}:build",
        "--metric",
        "lie",
        "--limit",
        "40",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    import pandas as pd

    df = pd.read_csv(out / "profile.csv")
    assert set(df.metric) == {"lie", "lie_contribution", "lie_relative"}
    assert (df.query("metric == 'lie' and layer == '1'").value > 0).all()
    assert (out / "layers_lie.png").stat().st_size > 0


def test_in_place_activations_do_not_change_the_layers_lie_derivative():
    def net(inplace):
        torch.manual_seed(0)
        return nn.Sequential(
            nn.Conv1d(1, 4, 5, padding=2),
            nn.ReLU(inplace=inplace),
            nn.Flatten(),
            nn.Linear(4 * 16, 3),
        ).double()

    x = torch.randn(6, 1, 16, dtype=torch.float64)
    ref = lie_vectors(net(False), x, "translate", ["0", "1", "output"])
    got = lie_vectors(net(True), x, "translate", ["0", "1", "output"])
    for name in ref:
        assert torch.allclose(got[name], ref[name], rtol=1e-12, atol=1e-12)
