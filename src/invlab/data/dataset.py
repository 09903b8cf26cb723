"""A labelled train/test split held as tensors."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Dataset:
    """Train and test tensors of one dataset.

    Attributes:
        name: short identifier (used in study results).
        x_train: ``(N_train, C, ...)`` float32 inputs.
        y_train: ``(N_train,)`` int64 labels.
        x_test: ``(N_test, C, ...)`` float32 inputs.
        y_test: ``(N_test,)`` int64 labels.
        num_classes: number of distinct labels.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    @property
    def in_shape(self) -> tuple[int, ...]:
        """Shape of one input, without the batch dimension: ``(C, N)`` or ``(C, H, W)``."""
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, train={tuple(self.x_train.shape)}, "
            f"test={tuple(self.x_test.shape)}, num_classes={self.num_classes})"
        )
