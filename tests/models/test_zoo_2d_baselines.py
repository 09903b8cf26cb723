"""The zoo models the 2D studies train: the standard pooled CNN, the batch-normalised and
pooled G-CNN, rotation-invariant scattering, and Augerino's regulariser inside ``train``."""

from __future__ import annotations

import pytest
import torch

from invlab.models import create_model
from invlab.train import seeded, train


def test_cnn_maxpool_halves_the_resolution_per_block_and_reads_out_by_global_pooling():
    model = create_model("cnn_maxpool", in_shape=(1, 12, 12), num_classes=10, channels=8)
    assert model.layer_names() == ["block1", "block2", "block3", "pool", "logits"]
    x = torch.randn(2, 1, 12, 12)
    assert model.block2(model.block1(x)).shape == (2, 8, 3, 3)
    assert model(x).shape == (2, 10)
    signal = create_model("cnn_maxpool", in_shape=(2, 40), num_classes=3, channels=4)
    assert signal(torch.randn(5, 2, 40)).shape == (5, 3)
    plain = create_model("cnn_maxpool", in_shape=(1, 12, 12), batch_norm=False)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())


@pytest.mark.parametrize("pool", [False, True])
def test_gcnn_with_batch_norm_and_pooling_stays_exactly_c4_invariant(pool):
    model = seeded(
        lambda: create_model(
            "gcnn", in_shape=(1, 12, 12), channels=4, depth=3, kernel_size=3, pool=pool
        ),
        0,
    )
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in model.modules())
    x = torch.randn(4, 1, 12, 12)
    train(model, x, torch.tensor([0, 1, 2, 3]), epochs=2, batch_size=4)  # running statistics
    model.eval()
    with torch.no_grad():
        out = model(x)
        for k in (1, 2, 3):
            assert torch.allclose(model(torch.rot90(x, k, (-2, -1))), out, atol=1e-5)
        # Not vacuous: a one-pixel shift changes the output.
        assert not torch.allclose(model(torch.roll(x, 1, -1)), out, atol=1e-3)


def test_scattering_models_take_the_rotation_invariant_transform():
    model = create_model("scattering_linear", in_shape=(1, 16, 16), J=2, rotation_invariant=True)
    assert model.scattering.rotation_invariant
    model.eval()
    x = torch.randn(3, 1, 16, 16)
    with torch.no_grad():
        assert torch.allclose(model(torch.rot90(x, 1, (-2, -1))), model(x), atol=1e-4)
    with pytest.raises(ValueError, match="rotation_invariant=True needs images"):
        create_model("scattering_mlp", in_shape=(1, 40), rotation_invariant=True)


def test_train_adds_augerinos_regulariser_so_the_learned_width_grows():
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 3, (32,))

    def width(reg: float) -> float:
        model = seeded(
            lambda: create_model(
                "augerino_cnn",
                in_shape=(1, 8, 8),
                num_classes=3,
                channels=4,
                depth=1,
                generators="rotate",
                init_width=0.5,
                reg=reg,
            ),
            0,
        )
        train(model, x, y, epochs=5, batch_size=8, lr=0.05, seed=0)
        return model.augment.widths()["rotate"]

    assert width(1.0) > width(0.0) + 0.5
    with pytest.raises(ValueError, match="reg"):
        create_model("augerino_cnn", in_shape=(1, 8, 8), reg=-1.0)


def test_digits_pad_puts_the_digits_in_a_zero_frame_and_the_studies_sets_are_registered():
    from invlab.data import digits, load_dataset

    base, padded = digits(), digits(pad=2)
    assert padded.x_train.shape[1:] == (1, 12, 12) and padded.name == "digits_pad2"
    assert torch.equal(padded.x_train[..., 2:10, 2:10], base.x_train)
    assert float(padded.x_train[..., :2, :].abs().sum()) == 0.0
    with pytest.raises(ValueError, match="pad"):
        digits(pad=-1)
    assert load_dataset("digits_padded").in_shape == (1, 12, 12)
    glyphs = load_dataset("glyph_digits16")
    assert glyphs.in_shape == (1, 16, 16) and len(glyphs.x_train) == 1600
