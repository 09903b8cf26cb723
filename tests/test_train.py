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
