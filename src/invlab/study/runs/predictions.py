"""What the kernel and finite run kinds share: the data subset they use, and the metrics of
their class scores on the test inputs and on the same inputs transformed.

Kernel and finite runs measure their predictions on the test subset and on the same inputs
each circularly shifted by a random shift in ``[-max_shift, max_shift]`` (seeded by the run's
seed): ``test_accuracy``, ``transformed_accuracy`` (on the shifted inputs), ``consistency``
(P[class of x = class of the shifted x]) and ``sensitivity`` of the class scores
(``E‖f(gx) − f(x)‖² / E_{x≠x′}‖f(x′) − f(x)‖²``, 0 = invariant).
"""

from __future__ import annotations

import math

import torch

from invlab.data import Dataset
from invlab.study.spec.run_config import RunConfig

COMMON_SIZE = ("n_train", "n_test", "max_shift")
"""The size arguments of every kernel and finite model: the data subset and the shifts."""


def data_subset(config: RunConfig, ds: Dataset):
    s = config.size
    n_train, n_test = int(s.get("n_train", 1000)), int(s.get("n_test", 500))
    if n_train < 2 or n_test < 2:
        raise ValueError(f"n_train and n_test must be >= 2, got {n_train}, {n_test}")
    return ds.x_train[:n_train], ds.y_train[:n_train], ds.x_test[:n_test], ds.y_test[:n_test]


def shifted_copy(x: torch.Tensor, max_shift: int, seed: int) -> torch.Tensor:
    """Each input circularly shifted along its last axis by its own random shift in
    ``[-max_shift, max_shift]`` (seeded)."""
    gen = torch.Generator().manual_seed(seed)
    shifts = torch.randint(-max_shift, max_shift + 1, (len(x),), generator=gen)
    return torch.stack([torch.roll(xi, int(s), dims=-1) for xi, s in zip(x, shifts)])


def prediction_metrics(plain: torch.Tensor, shifted: torch.Tensor, y: torch.Tensor) -> dict:
    """Accuracy, shifted accuracy, consistency and output sensitivity of class scores
    ``plain = f(x)`` and ``shifted = f(g x)`` (``(n, c)``, ``n >= 2``)."""
    plain, shifted = plain.double(), shifted.double()
    a, b = plain.argmax(1), shifted.argmax(1)
    n = len(plain)
    spread = 2 * n / (n - 1) * (plain - plain.mean(0)).square().sum(1).mean()
    change = (shifted - plain).square().sum(1).mean()
    return {
        "test_accuracy": float((a == y).double().mean()),
        "transformed_accuracy": float((b == y).double().mean()),
        "consistency": float((a == b).double().mean()),
        "sensitivity": float(change / spread) if spread > 0 else math.nan,
    }
