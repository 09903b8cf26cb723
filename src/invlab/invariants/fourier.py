"""Fourier modulus: the textbook translation invariant."""

from __future__ import annotations

import warnings

import torch
from torch import nn

from invlab._validation import check_choice, check_int, check_tensor

SMALL_AXIS = 8  # dims=2 with a second-to-last axis this short is likely (C, N), not (H, W)


def fourier_modulus(x: torch.Tensor, dims: int = 1, *, normalized: bool = False) -> torch.Tensor:
    """Modulus of the real FFT over the last ``dims`` axes: ``|F x|``.

    A circular shift multiplies ``F x`` by a unit-modulus phase ``e^{-2πi k s / N}``, so
    ``|F x|`` is exactly invariant to circular shifts (and, with ``dims=2``, to 2D circular
    translations).

    Args:
        x: real tensor ``(..., N)`` for ``dims=1`` or ``(..., H, W)`` for ``dims=2``.
        dims: 1 or 2. With ``dims=2`` and ``H < 8`` a ``UserWarning`` asks whether ``x`` is
            really ``(B, C, N)`` signals (the channel axis would be transformed).
        normalized: divide by ``sqrt(N)`` (``sqrt(H W)``) so Parseval holds.

    Shape:
        ``(..., N)`` → ``(..., N // 2 + 1)``; ``(..., H, W)`` → ``(..., H, W // 2 + 1)``.

    Examples:
        >>> x = torch.randn(4, 40)
        >>> torch.allclose(fourier_modulus(x), fourier_modulus(torch.roll(x, 7, -1)), atol=1e-5)
        True
    """
    check_int(dims, "dims", minimum=1)
    if dims > 2:
        raise ValueError(f"dims must be 1 or 2, got {dims}")
    x = check_tensor(x, "x", min_dim=dims)
    if x.is_complex():
        raise TypeError("x must be real; fourier_modulus uses the real FFT")
    if dims == 2 and min(x.shape[-2:]) == 1:
        raise ValueError(
            f"fourier_modulus(dims=2) got x of shape {tuple(x.shape)}: an image axis of size 1 "
            f"is a signal, not an image; for (B, C, N) signals use dims=1"
        )
    if dims == 2 and x.shape[-2] < SMALL_AXIS:
        warnings.warn(
            f"fourier_modulus(dims=2) got x of shape {tuple(x.shape)}: it transforms over the "
            f"last two axes, and the second-to-last ({x.shape[-2]}) is as small as a channel "
            f"axis; for (B, C, N) signals use dims=1, for images pass (..., H, W)",
            UserWarning,
            stacklevel=3,
        )
    norm = "ortho" if normalized else "backward"
    axes = tuple(range(-dims, 0))
    spectrum = torch.fft.rfftn(x, dim=axes, norm=norm)
    return spectrum.abs()


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
