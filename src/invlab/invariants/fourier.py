"""Fourier modulus: the textbook translation invariant."""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_choice
from invlab.invariants.functional import fourier_modulus


class FourierModulus(nn.Module):
    """``x ↦ |F x|`` over the last ``dims`` axes (real FFT).

    Invariance: exact under circular shifts (1D) and circular 2D translations (``dims=2``).
    Not stable to deformations: a small dilation moves high-frequency energy by many bins,
    which is what the scattering transform fixes.

    Args:
        dims: 1 for signals ``(..., N)``, 2 for images ``(..., H, W)``.
        normalized: orthonormal FFT scaling (Parseval).
        log: return ``log(1 + |F x|)``, a common compression for learning.

    Shape:
        ``(..., N)`` → ``(..., N // 2 + 1)``; ``(..., H, W)`` → ``(..., H, W // 2 + 1)``.

    Examples:
        >>> m = FourierModulus(dims=1)
        >>> m(torch.randn(8, 1, 40)).shape
        torch.Size([8, 1, 21])
    """

    def __init__(self, dims: int = 1, normalized: bool = False, log: bool = False) -> None:
        super().__init__()
        self.dims = check_choice(dims, "dims", (1, 2))
        self.normalized = bool(normalized)
        self.log = bool(log)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = fourier_modulus(x, self.dims, normalized=self.normalized)
        return torch.log1p(out) if self.log else out

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Output shape for an input of ``shape``."""
        return (*shape[:-1], shape[-1] // 2 + 1)

    def extra_repr(self) -> str:
        return f"dims={self.dims}, normalized={self.normalized}, log={self.log}"
