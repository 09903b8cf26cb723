"""Rotated and scaled variants of any image dataset (MNIST-rot / MNIST-scale style)."""

from __future__ import annotations

import torch

from invlab._validation import check_choice, check_int
from invlab.data.dataset import Dataset


def rotated(
    dataset: Dataset,
    angle_range: tuple[float, float] = (0.0, 360.0),
    *,
    splits: str = "both",
    seed: int = 0,
    padding: str = "zeros",
) -> Dataset:
    """Every image rotated about its centre by its own uniformly drawn angle (bilinear).

    The MNIST-rot recipe (Larochelle et al. 2007): angles uniform in ``[0, 360)``. With a
    fixed ``seed`` the same dataset gives the same angles.

    Args:
        dataset: a :class:`Dataset` of images ``(N, C, H, W)``.
        angle_range: degrees ``(low, high)``.
        splits: ``'both'``, ``'train'`` or ``'test'`` (e.g. train upright, test rotated).
        seed: seed of the angles.
        padding: ``'zeros'`` or ``'border'`` for pixels rotated in from outside.

    Returns:
        A :class:`Dataset` named ``<name>_rot`` with the same labels.

    Examples:
        >>> from invlab.data import digits
        >>> rotated(digits(size=16)).name
        'digits16_rot'
    """
    from invlab.transforms import Rotate

    return _transformed(dataset, Rotate(angle_range, padding=padding), "rot", splits, seed)


def scaled(
    dataset: Dataset,
    scale_range: tuple[float, float] = (0.3, 1.0),
    *,
    splits: str = "both",
    seed: int = 0,
    padding: str = "zeros",
) -> Dataset:
    """Every image zoomed about its centre by its own factor, log-uniform in ``scale_range``.

    The MNIST-scale recipe (Sosnovik et al. 2020) draws factors in ``[0.3, 1]``.

    Args:
        dataset: a :class:`Dataset` of images ``(N, C, H, W)``.
        scale_range: ``(low, high)`` factors with ``0 < low <= high``.
        splits: ``'both'``, ``'train'`` or ``'test'``.
        seed: seed of the factors.
        padding: ``'zeros'`` or ``'border'``.

    Returns:
        A :class:`Dataset` named ``<name>_scale`` with the same labels.
    """
    from invlab.transforms import Scale

    return _transformed(dataset, Scale(scale_range, padding=padding), "scale", splits, seed)


def _transformed(dataset: Dataset, transform, suffix: str, splits: str, seed: int) -> Dataset:
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be an invlab.data.Dataset, got {type(dataset).__name__}")
    if dataset.x_train.dim() != 4:
        raise ValueError(
            f"dataset must hold images (N, C, H, W), got inputs of shape "
            f"{tuple(dataset.x_train.shape)}"
        )
    check_choice(splits, "splits", ("both", "train", "test"))
    check_int(seed, "seed")
    gen = torch.Generator().manual_seed(seed)

    def move(x: torch.Tensor) -> torch.Tensor:
        params = transform.sample(x.shape[0], generator=gen)
        out = [transform.apply(xb, pb) for xb, pb in zip(x.split(512), params.split(512))]
        return torch.cat(out)

    x_train = move(dataset.x_train) if splits in ("both", "train") else dataset.x_train
    x_test = move(dataset.x_test) if splits in ("both", "test") else dataset.x_test
    return Dataset(
        name=f"{dataset.name}_{suffix}",
        x_train=x_train,
        y_train=dataset.y_train,
        x_test=x_test,
        y_test=dataset.y_test,
        num_classes=dataset.num_classes,
    )


def shift_augment(
    x: torch.Tensor, y: torch.Tensor, shifts: list[int] | range
) -> tuple[torch.Tensor, torch.Tensor]:
    """``{(g_s x, y) : s ∈ shifts}``: every input circularly shifted along the last axis.

    Examples:
        >>> xa, ya = shift_augment(torch.randn(4, 1, 8), torch.arange(4), range(-1, 2))
        >>> xa.shape, ya.shape
        (torch.Size([12, 1, 8]), torch.Size([12]))
    """
    from invlab.transforms import Shift

    shifts = list(shifts)
    if not shifts:
        raise ValueError("shifts is empty; give at least one shift")
    t = Shift(shift_range=(min(shifts), max(shifts)), dims=1)
    xs = [t.apply(x, torch.tensor([float(s)])) for s in shifts]
    return torch.cat(xs), y.repeat(len(shifts))
