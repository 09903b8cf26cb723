"""Functional forms of the fixed invariant representations (no state, no buffers)."""

from __future__ import annotations

import torch

from invlab._validation import check_int, check_tensor


def fourier_modulus(x: torch.Tensor, dims: int = 1, *, normalized: bool = False) -> torch.Tensor:
    """Modulus of the real FFT over the last ``dims`` axes: ``|F x|``.

    A circular shift multiplies ``F x`` by a unit-modulus phase ``e^{-2πi k s / N}``, so
    ``|F x|`` is exactly invariant to circular shifts (and, with ``dims=2``, to 2D circular
    translations).

    Args:
        x: real tensor ``(..., N)`` for ``dims=1`` or ``(..., H, W)`` for ``dims=2``.
        dims: 1 or 2.
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
    norm = "ortho" if normalized else "backward"
    axes = tuple(range(-dims, 0))
    spectrum = torch.fft.rfftn(x, dim=axes, norm=norm)
    return spectrum.abs()
