"""Seeded training with optional augmentation; seeds trained together as one batched model."""

from invlab.train.batched import (
    SerialFallbackWarning,
    batch_refusal,
    logits_together,
    train_together,
)
from invlab.train.loop import TrainResult, accuracy, predict, seeded, train, training_loss

__all__ = [
    "SerialFallbackWarning",
    "TrainResult",
    "accuracy",
    "batch_refusal",
    "logits_together",
    "predict",
    "seeded",
    "train",
    "train_together",
    "training_loss",
]
