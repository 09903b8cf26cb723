"""Functional twins of the kernel modules: one call, no object to keep."""

from __future__ import annotations

import torch

from invlab.kernels.cnn import CNNKernel
from invlab.kernels.mlp import MLPKernel


def mlp_kernel(
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    depth: int,
    kind: str = "nngp",
    w_std: float = 2**0.5,
    b_std: float = 0.0,
    activation: str = "relu",
    **options,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """:class:`~invlab.kernels.MLPKernel` ``(x1, x2, kind)`` (``options``: block_size, ...).

    Examples:
        >>> mlp_kernel(torch.randn(3, 10), depth=2).shape
        torch.Size([3, 3])
    """
    return MLPKernel(depth, w_std, b_std, activation, **options)(x1, x2, kind=kind)


def cnn_kernel(
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    depth: int,
    kind: str = "nngp",
    kernel_size: int = 3,
    readout: str = "gap",
    w_std: float = 2**0.5,
    b_std: float = 0.0,
    activation: str = "relu",
    **options,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """:class:`~invlab.kernels.CNNKernel` ``(x1, x2, kind)`` (``options``: block_size, ...).

    Examples:
        >>> cnn_kernel(torch.randn(3, 1, 10), depth=2, readout="flatten").shape
        torch.Size([3, 3])
    """
    kernel = CNNKernel(depth, kernel_size, readout, w_std, b_std, activation, **options)
    return kernel(x1, x2, kind=kind)
