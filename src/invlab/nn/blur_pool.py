"""Anti-aliased downsampling (Zhang 2019, "Making convolutional networks shift-invariant again").

Subsampling a signal that holds frequencies above the new Nyquist limit aliases: a one-sample
shift of the input changes the output by more than a shift. Blurring with a binomial low-pass
filter first removes most of those frequencies. The filter of size ``n`` is the row of
Pascal's triangle,

    b_j = C(n−1, j) / 2^{n−1},   j = 0 … n−1,

(the 2D filter is the outer product ``b bᵀ``), so it sums to 1 and preserves the mean.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from invlab._validation import check_choice, check_int, check_tensor

PADDING_MODES = ("reflect", "replicate", "circular", "zeros")


def binomial_filter(size: int, dims: int = 1, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The normalised binomial filter of ``size`` taps: ``(size,)`` or ``(size, size)``.

    Examples:
        >>> binomial_filter(3)
        tensor([0.2500, 0.5000, 0.2500])
    """
    check_int(size, "filter_size", minimum=1)
    row = torch.tensor([math.comb(size - 1, j) for j in range(size)], dtype=dtype)
    row = row / row.sum()
    return row if dims == 1 else torch.outer(row, row)


class BlurPool(nn.Module):
    """Blur with a binomial filter, then subsample by ``stride`` (depthwise, any channels).

    ``y = (b ⋆ x)[::stride]`` with ``b`` the binomial filter of :func:`binomial_filter`.
    ``filter_size = 1`` is plain subsampling. Use after a stride-1 max pool (Zhang's
    "MaxBlurPool") in place of a strided max pool, or after a stride-1 convolution in
    place of a strided one.

    Args:
        filter_size: taps of the binomial filter, 1 to 7.
        stride: subsampling factor.
        dims: 1 for signals ``(B, C, N)``, 2 for images ``(B, C, H, W)``.
        padding_mode: ``'reflect'``, ``'replicate'``, ``'circular'`` or ``'zeros'``; the
            input is padded by ``⌊(n−1)/2⌋`` before and ``⌈(n−1)/2⌉`` after.

    Shape:
        ``(B, C, *S)`` → ``(B, C, *S')`` with ``S' = ⌈S / stride⌉``.

    Examples:
        >>> BlurPool(filter_size=3, stride=2, dims=2)(torch.randn(1, 4, 8, 8)).shape
        torch.Size([1, 4, 4, 4])
    """

    def __init__(
        self,
        filter_size: int = 3,
        stride: int = 2,
        dims: int = 2,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        check_int(filter_size, "filter_size", minimum=1)
        if filter_size > 7:
            raise ValueError(f"filter_size must be between 1 and 7, got {filter_size}")
        self.filter_size = filter_size
        self.stride = check_int(stride, "stride", minimum=1)
        self.dims = check_choice(dims, "dims", (1, 2))
        self.padding_mode = check_choice(padding_mode, "padding_mode", PADDING_MODES)
        self.register_buffer("filter", binomial_filter(filter_size, dims))

    def extra_repr(self) -> str:
        return (
            f"filter_size={self.filter_size}, stride={self.stride}, dims={self.dims}, "
            f"padding_mode={self.padding_mode!r}"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", min_dim=self.dims + 2)
        if x.dim() != self.dims + 2:
            raise ValueError(
                f"x must have shape (B, C, {'N' if self.dims == 1 else 'H, W'}) for "
                f"dims={self.dims}, got {tuple(x.shape)}"
            )
        n = self.filter_size
        before, after = (n - 1) // 2, n // 2
        if n > 1:
            smallest = min(x.shape[2:])
            if self.padding_mode == "reflect" and after >= smallest:
                raise ValueError(
                    f"padding_mode='reflect' needs inputs longer than {after} samples, got "
                    f"shape {tuple(x.shape)}; use a smaller filter_size or padding_mode='zeros'"
                )
            mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
            x = F.pad(x, (before, after) * self.dims, mode=mode)
        c = x.shape[1]
        weight = self.filter.to(x.dtype).expand(c, 1, *self.filter.shape)
        conv = F.conv1d if self.dims == 1 else F.conv2d
        return conv(x, weight, stride=self.stride, groups=c)
