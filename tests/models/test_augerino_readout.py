"""Augerino reads out like every other model: a linear read-out of averaged features, which is
Benton et al.'s average of the logits of the transformed copies."""

import pytest
import torch

from invlab.models import create_model, readout_input

pools = pytest.mark.parametrize("pool", [False, True])


def _model(pool: bool = False):
    torch.manual_seed(0)
    return create_model(
        "augerino_cnn",
        in_shape=(1, 12, 12),
        num_classes=4,
        channels=5,
        depth=2,
        kernel_size=3,
        generators="rotate",
        init_width=1.0,
        eval_samples=6,
        pool=pool,
    ).eval()


@pools
def test_the_read_out_reads_the_averaged_features(pool):
    model = _model(pool)
    assert readout_input(model) == "augment"
    x = torch.rand(3, 1, 12, 12)
    with torch.no_grad():
        assert model.augment(x).shape == (3, 5)  # features, not logits


@pools
def test_its_logits_are_the_mean_of_the_transformed_copies_logits(pool):
    model = _model(pool)
    x = torch.rand(3, 1, 12, 12)
    with torch.no_grad():
        torch.manual_seed(7)
        logits = model(x)
        torch.manual_seed(7)  # the same six draws, read out copy by copy
        copies = torch.cat([model.augment.augment(x) for _ in range(6)])
        per_copy = model.logits(model.augment.model(copies)).unflatten(0, (6, 3))
    assert torch.allclose(logits, per_copy.mean(0), atol=1e-5)
    # and the copies differ, so the average is not that of one image
    assert (per_copy - per_copy.mean(0)).abs().max() > 1e-3
