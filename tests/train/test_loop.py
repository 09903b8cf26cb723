"""Training is seeded and learns."""

import pytest
import torch

from invlab.data import digits, mnist1d
from invlab.models import create_model
from invlab.train import accuracy, seeded, train
from invlab.transforms import Shift


def small_run(seed, augment=None):
    ds = mnist1d(num_samples=600)
    model = seeded(lambda: create_model("mlp", width=32, depth=1), seed)
    result = train(model, ds.x_train, ds.y_train, epochs=3, augment=augment, seed=seed)
    return model, result, ds


def test_same_seed_gives_same_weights():
    a, ra, _ = small_run(3, augment=Shift(5))
    b, rb, _ = small_run(3, augment=Shift(5))
    assert ra.losses == rb.losses
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    c, _, _ = small_run(4, augment=Shift(5))
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_stochastic_layers_do_not_depend_on_what_ran_before():
    # LearnedAugment samples its transformations from torch's global generator. In a pool
    # worker that generator's state depends on the runs before; train() seeds it itself.
    from invlab.nn import LearnedAugment

    ds = digits(pad=2)
    x, y = ds.x_train[:128], ds.y_train[:128]

    def run(noise_before: int):
        model = seeded(
            lambda: LearnedAugment(create_model("cnn_maxpool", (1, 12, 12), 10, channels=4,
                                                depth=1), generators=("rotate",)), 0
        )  # fmt: skip
        torch.rand(noise_before)  # what an earlier run in the same process drew
        result = train(model, x, y, epochs=2, batch_size=32, seed=0)
        return [*result.losses, result.train_accuracy], [
            p.detach().clone() for p in model.parameters()
        ]

    (loss_a, weights_a), (loss_b, weights_b) = run(0), run(1000)
    assert loss_a == loss_b and all(torch.equal(a, b) for a, b in zip(weights_a, weights_b))
    state = torch.random.get_rng_state()
    train(seeded(lambda: create_model("mlp", (1, 12, 12), 10, width=8, depth=1), 0), x, y, epochs=1)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's state is kept


def test_training_learns_digits():
    ds = digits()
    model = seeded(lambda: create_model("mlp", in_shape=ds.in_shape, width=64, depth=1), 0)
    result = train(model, ds.x_train, ds.y_train, epochs=15, lr=3e-3, seed=0)
    assert result.losses[-1] < 0.5 * result.losses[0]
    assert accuracy(model, ds.x_test, ds.y_test) > 0.85  # 10 classes: chance is 0.1


def test_bad_arguments():
    model = create_model("linear")
    x, y = torch.randn(10, 1, 40), torch.randint(10, (10,))
    with pytest.raises(ValueError, match=r"y must have shape \(10,\)"):
        train(model, x, y[:5])
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        train(model, x, y, epochs=0)
    with pytest.raises(TypeError, match="augment must be an invlab Transform"):
        train(model, x, y, augment=lambda t: t)
    with pytest.raises(ValueError, match="x contains NaN"):
        train(model, torch.full((10, 1, 40), float("nan")), y)


class _FixedReadout(torch.nn.Module):
    """Logits from fixed weights held as a buffer: nothing to train."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer(
            "weight", torch.randn(3, 12, generator=torch.Generator().manual_seed(0))
        )

    def forward(self, x):
        return x.flatten(1) @ self.weight.T


@pytest.mark.parametrize(
    "model",
    [
        torch.nn.Sequential(torch.nn.AdaptiveAvgPool1d(3), torch.nn.Flatten()),  # no tensors
        _FixedReadout(),  # buffers only
    ],
)
def test_parameter_free_model_is_evaluated_not_trained(model):
    x = torch.randn(40, 1, 12, generator=torch.Generator().manual_seed(1))
    y = torch.randint(3, (40,), generator=torch.Generator().manual_seed(2))
    before = [b.clone() for b in model.buffers()]
    result = train(model, x, y, epochs=2, batch_size=16, schedule="cosine")
    assert result.steps == 0
    assert len(result.losses) == 2 and result.losses[0] == pytest.approx(result.losses[1])
    expected = float(torch.nn.functional.cross_entropy(model(x), y))
    assert result.losses[0] == pytest.approx(expected, rel=1e-5)
    assert result.train_accuracy == accuracy(model, x, y)
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers()))
