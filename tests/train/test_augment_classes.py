"""Augmentation of a subset of the classes: the other classes' samples reach the model as they
are, the chosen classes' samples transformed; the batched trainer does the same."""

import pytest
import torch
from torch import nn

from invlab.train import train, train_together
from invlab.train.loop import augment_batch, check_augment_classes
from invlab.transforms.spec import parse_transform


class Recorder(nn.Module):
    """A linear classifier that keeps every training input it is given, with its label order."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(36, 3)
        self.seen: list[torch.Tensor] = []

    def forward(self, x):
        if self.training:
            self.seen.append(x.detach().clone())
        return self.linear(x.flatten(1))


def _data():
    torch.manual_seed(0)
    x = torch.rand(30, 1, 6, 6)
    y = torch.arange(30) % 3
    return x, y


def _match(sample, x):
    """Index of the training input equal to ``sample``, or -1."""
    hits = (x - sample).flatten(1).abs().amax(1) == 0
    return int(hits.nonzero()[0]) if hits.any() else -1


def test_only_the_listed_classes_are_transformed():
    x, y = _data()
    quarter = parse_transform("rotate:90:90")  # every draw is the same quarter turn
    model = Recorder()
    train(model, x, y, epochs=2, batch_size=8, augment=quarter, augment_classes=[1], seed=0)
    seen = torch.cat(model.seen)
    assert len(seen) == 2 * len(x)
    turned = torch.rot90(x, 1, dims=(-2, -1))
    for sample in seen:
        plain, rotated = _match(sample, x), _match(sample, turned)
        # a class-1 sample arrives turned (never upright); any other arrives as it is
        if plain >= 0:
            assert y[plain] != 1
        else:
            assert rotated >= 0 and y[rotated] == 1
    counts = [sum(_match(s, x) >= 0 for s in seen), sum(_match(s, turned) >= 0 for s in seen)]
    assert counts == [40, 20]


def test_augment_batch_draws_the_same_parameters_whatever_the_classes():
    x, y = _data()
    rotate = parse_transform("rotate:-180:180")
    every = augment_batch(rotate, x, y, torch.Generator().manual_seed(3))
    some = augment_batch(
        rotate, x, y, torch.Generator().manual_seed(3), check_augment_classes([0, 2], rotate, y)
    )
    chosen = (y == 0) | (y == 2)
    assert torch.equal(some[chosen], every[chosen])
    assert torch.equal(some[~chosen], x[~chosen])


def test_train_together_augments_the_same_classes_as_train():
    x, y = _data()
    rotate = parse_transform("rotate:-90:90")

    def build():
        return nn.Sequential(nn.Flatten(), nn.Linear(36, 3))

    settings = dict(epochs=2, batch_size=8, augment=rotate, augment_classes=[0, 2])
    together = train_together(build, [0, 1], x, y, **settings)
    for seed, (model, result) in zip([0, 1], together):
        torch.manual_seed(seed)
        alone = build()
        serial = train(alone, x, y, seed=seed, **settings)
        assert result.losses == pytest.approx(serial.losses, rel=1e-5)
        for a, b in zip(model.parameters(), alone.parameters()):
            assert torch.allclose(a, b, atol=1e-5)


def test_bad_augment_classes_are_refused_before_training():
    x, y = _data()
    rotate = parse_transform("rotate:-90:90")
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 3))
    with pytest.raises(ValueError, match="needs an augmentation"):
        train(model, x, y, augment_classes=[0])
    with pytest.raises(ValueError, match=r"labels \[7\] that no training sample has"):
        train(model, x, y, augment=rotate, augment_classes=[0, 7])
    with pytest.raises(ValueError, match="non-empty list of integer labels"):
        train(model, x, y, augment=rotate, augment_classes=[])
    with pytest.raises(ValueError, match="list of labels"):
        train(model, x, y, augment=rotate, augment_classes="0")
