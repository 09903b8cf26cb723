"""Seeded training with optional augmentation; seeds trained together as one batched model."""

from invlab.train.batched import SerialFallbackWarning, batch_refusal, train_together
from invlab.train.loop import TrainResult, accuracy, predict, seeded, train

__all__ = [
    "SerialFallbackWarning",
    "TrainResult",
    "accuracy",
    "batch_refusal",
    "predict",
    "seeded",
    "train",
    "train_together",
]
