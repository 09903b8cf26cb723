"""Seeded training with optional augmentation."""

from invlab.train.loop import TrainResult, accuracy, predict, seeded, train

__all__ = ["TrainResult", "accuracy", "predict", "seeded", "train"]
