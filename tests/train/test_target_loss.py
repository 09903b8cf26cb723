"""Matched fit: ``train(target_loss=...)`` and ``train_together(target_loss=...)`` stop at the
first epoch whose training cross-entropy (evaluation mode, whole training set) is at or below
the target, and say when the epoch cap came first (#24)."""

from __future__ import annotations

import math

import pytest
import torch

from invlab.models import create_model
from invlab.train import seeded, train, train_together, training_loss

TARGET = 0.25


@pytest.fixture(scope="module")
def data():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(192, 1, 16, generator=gen)
    # four classes from two signs: learnable, but not in one epoch
    y = (x[:, 0, :8].sum(1) > 0).long() + 2 * (x[:, 0, 8:].sum(1) > 0).long()
    return x, y


def build():
    return create_model("mlp", in_shape=(1, 16), num_classes=4, width=32, depth=1)


SETTINGS = dict(epochs=300, batch_size=32, lr=1e-2)


def test_stops_at_the_first_epoch_that_reaches_the_target(data):
    x, y = data
    model = seeded(build, 0)
    result = train(model, x, y, seed=0, target_loss=TARGET, **SETTINGS)
    assert result.target_reached is True
    assert 1 < result.epochs < SETTINGS["epochs"]
    # the stored fit is the trained model's own cross-entropy, and it is at the target
    assert result.fit_loss == pytest.approx(training_loss(model, x, y), abs=1e-6)
    assert result.fit_loss <= TARGET
    assert len(result.fit_losses) == result.epochs
    assert all(loss > TARGET for loss in result.fit_losses[:-1])

    # one epoch fewer, trained from scratch without a target, has not reached it
    shorter = seeded(build, 0)
    fewer = train(shorter, x, y, seed=0, **{**SETTINGS, "epochs": result.epochs - 1})
    assert training_loss(shorter, x, y) > TARGET
    assert fewer.target_reached is None
    assert fewer.fit_loss == pytest.approx(training_loss(shorter, x, y), abs=1e-6)


def test_a_run_that_cannot_reach_the_target_says_so(data):
    x, y = data
    model = seeded(build, 1)
    result = train(model, x, y, seed=1, target_loss=1e-4, **{**SETTINGS, "epochs": 3})
    assert result.target_reached is False
    assert result.epochs == 3
    assert result.fit_loss > 1e-4
    assert result.fit_loss == pytest.approx(training_loss(model, x, y), abs=1e-6)


def test_without_a_target_every_epoch_runs_and_the_fit_is_still_recorded(data):
    x, y = data
    model = seeded(build, 2)
    result = train(model, x, y, seed=2, **{**SETTINGS, "epochs": 4})
    assert result.epochs == 4 and result.target_reached is None and result.fit_losses == []
    assert result.fit_loss == pytest.approx(training_loss(model, x, y), abs=1e-6)
    assert model.training  # the fit is measured in evaluation mode, and the mode given back


def test_batched_seeds_stop_where_their_serial_runs_stop(data):
    x, y = data
    seeds = [0, 1, 2]
    together = train_together(build, seeds, x, y, target_loss=TARGET, **SETTINGS)
    for seed, (model, result) in zip(seeds, together):
        serial_model = seeded(build, seed)
        serial = train(serial_model, x, y, seed=seed, target_loss=TARGET, **SETTINGS)
        assert result.target_reached is True
        assert result.epochs == serial.epochs
        assert result.steps == serial.steps
        assert result.fit_loss <= TARGET
        assert training_loss(model, x, y) == pytest.approx(result.fit_loss, abs=1e-5)
        for a, b in zip(model.parameters(), serial_model.parameters()):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    # the members did not all stop at once: a stopped member kept its weights while others ran
    assert len({r.epochs for _, r in together}) > 1


def test_batched_member_that_cannot_reach_the_target_says_so(data):
    x, y = data
    out = train_together(build, [0, 1], x, y, target_loss=1e-4, **{**SETTINGS, "epochs": 2})
    assert [r.target_reached for _, r in out] == [False, False]
    assert [r.epochs for _, r in out] == [2, 2]


@pytest.mark.parametrize(
    "bad, error",
    [(0.0, ValueError), (-0.1, ValueError), (math.nan, ValueError), (math.inf, ValueError),
     ("0.1", TypeError), (True, TypeError)],
)  # fmt: skip
def test_bad_target_refused_before_training(data, bad, error):
    x, y = data
    model = seeded(build, 0)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(error, match="target_loss"):
        train(model, x, y, target_loss=bad, epochs=1)
    with pytest.raises(error, match="target_loss"):
        train_together(build, [0, 1], x, y, target_loss=bad, epochs=1)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
