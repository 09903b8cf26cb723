"""The bispectrum: a complete translation invariant."""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_choice, check_tensor
from invlab.invariants.functional_rotscale import bispectrum, bispectrum_pairs


class Bispectrum(nn.Module):
    """``B(k1, k2) = F(k1) F(k2) conj(F(k1 + k2))`` at a fixed set of frequency pairs.

    Invariance: exact under circular shifts (1D) or circular translations (2D). Unlike
    ``|F x|`` it is complete: for generic ``x`` it determines ``x`` up to a shift
    (:func:`invert_bispectrum` recovers it from the 1D reduced set).

    Args:
        shape: ``N`` (signals ``(..., N)``) or ``(H, W)`` (images ``(..., H, W)``).
        pairs: ``'reduced'`` (default), ``'full'`` or an integer tensor ``(P, 2)`` / ``(P, 4)``
            (see :func:`bispectrum_pairs`).
        output: ``'complex'`` (complex ``(..., P)``) or ``'real'`` (real and imaginary parts
            concatenated, ``(..., 2P)``), for learning.
        normalize: divide by ``|B|^{2/3}`` so the output scales linearly with ``x`` (keeps the
            phase, tames the cubic dynamic range).

    Shape:
        ``(..., N)`` or ``(..., H, W)`` → ``(..., P)`` complex or ``(..., 2P)`` real.

    Examples:
        >>> b = Bispectrum(16, pairs="full")
        >>> x = torch.randn(4, 1, 16)
        >>> torch.allclose(b(x), b(torch.roll(x, 3, -1)), atol=1e-3)
        True
    """

    def __init__(
        self,
        shape: int | tuple[int, int],
        pairs: str | torch.Tensor = "reduced",
        output: str = "complex",
        normalize: bool = False,
    ) -> None:
        super().__init__()
        if isinstance(shape, int) and not isinstance(shape, bool):
            self.dims, self.shape = 1, (shape,)
        else:
            try:
                self.shape = tuple(int(s) for s in shape)
            except TypeError:
                raise TypeError(f"shape must be an int N or a pair (H, W), got {shape!r}") from None
            if len(self.shape) != 2:
                raise ValueError(f"shape must be an int N or a pair (H, W), got {shape!r}")
            self.dims = 2
        spec = self.shape[0] if self.dims == 1 else self.shape
        if isinstance(pairs, str):
            table = bispectrum_pairs(spec, pairs)
            self.pair_set = pairs
        else:
            table = torch.as_tensor(pairs).long()
            if table.dim() != 2 or table.shape[1] != 2 * self.dims:
                raise ValueError(
                    f"pairs must have shape (P, {2 * self.dims}), got {tuple(table.shape)}"
                )
            self.pair_set = "custom"
        self.register_buffer("pairs", table, persistent=False)
        self.output = check_choice(output, "output", ("complex", "real"))
        self.normalize = bool(normalize)

    @property
    def num_coefficients(self) -> int:
        """``P``, the number of frequency pairs."""
        return int(self.pairs.shape[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", min_dim=self.dims)
        if tuple(x.shape[-self.dims :]) != self.shape:
            raise ValueError(
                f"x must end with shape {self.shape} (the shape given to Bispectrum), got "
                f"{tuple(x.shape)}"
            )
        b = bispectrum(x, self.pairs, self.dims)
        if self.normalize:
            b = b / b.abs().clamp_min(torch.finfo(x.dtype).eps).pow(2 / 3)
        if self.output == "real":
            return torch.cat([b.real, b.imag], dim=-1)
        return b

    def extra_repr(self) -> str:
        return (
            f"shape={self.shape}, pairs={self.pair_set!r} ({self.num_coefficients}), "
            f"output={self.output!r}, normalize={self.normalize}"
        )
