"""Detrending: the representation invariant to adding a polynomial trend."""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_int, check_tensor


def detrend(x: torch.Tensor, degree: int = 1, *, keep_mean: bool = False) -> torch.Tensor:
    """Remove the least-squares polynomial trend of degree ``≤ degree`` along the last axis.

    ``x ↦ x − P x`` with ``P`` the orthogonal projector onto the polynomials of degree
    ``≤ degree`` sampled on the grid ``t = 0 … N − 1``. Exactly invariant to adding any such
    polynomial: ``detrend(x + a + b t) = detrend(x)`` for ``degree ≥ 1``. With
    ``keep_mean=True``, ``P`` projects onto the zero-mean polynomials only (the constant is
    kept): invariant to adding ``b (t − t̄)``, and the mean of ``x`` passes unchanged.
    MNIST-1D's *shear* adds ``b (t − t̄)`` with a random ``b`` to every signal (Greydanus
    2020), so ``degree=1, keep_mean=True`` removes exactly that nuisance and nothing else. The
    map is linear, idempotent and not shift equivariant (the trend is tied to the ends of the
    signal).

    Args:
        x: real tensor ``(..., N)`` with ``N ≥ degree + 2``.
        degree: highest power removed; 0 removes the mean, 1 the mean and a ramp.
        keep_mean: leave the mean (the degree-0 part of the trend) in place.

    Shape:
        ``(..., N)`` → ``(..., N)``.

    Examples:
        >>> x = torch.randn(4, 40)
        >>> ramp = 3.0 + 0.5 * torch.arange(40.0)
        >>> torch.allclose(detrend(x + ramp), detrend(x), atol=1e-4)
        True
    """
    check_int(degree, "degree", minimum=0)
    x = check_tensor(x, "x", min_dim=1)
    if not x.is_floating_point():
        raise TypeError(f"x must be a real floating-point tensor, got {x.dtype}")
    n = x.shape[-1]
    if n < degree + 2:
        raise ValueError(
            f"detrend of degree {degree} needs signals of at least {degree + 2} samples "
            f"(fewer would leave nothing); got length {n}"
        )
    basis = _orthonormal_polynomials(n, degree, x.dtype, x.device)  # (N, degree + 1)
    if keep_mean:
        basis = basis[:, 1:]  # the first column is the constant; the others have zero mean
    return x - (x @ basis) @ basis.T


def _orthonormal_polynomials(
    n: int, degree: int, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    # Centred, scaled grid: the Vandermonde matrix stays well conditioned in float32.
    t = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    vandermonde = torch.stack([t**k for k in range(degree + 1)], dim=1)
    q, _ = torch.linalg.qr(vandermonde)
    return q.to(dtype=dtype, device=device)


class Detrend(nn.Module):
    """``x ↦ x − P x``: removes the least-squares polynomial trend of degree ``≤ degree``
    along the last axis (see :func:`detrend`).

    Invariance: exact under adding any polynomial of degree ``≤ degree`` (a linear ramp for
    ``degree=1``); with ``keep_mean=True`` under adding a zero-mean one (MNIST-1D's shear).

    Args:
        degree: highest power removed (0: the mean; 1: the mean and a linear ramp).
        keep_mean: keep the mean, remove only the zero-mean part of the trend.

    Shape:
        ``(..., N)`` → ``(..., N)``, ``N ≥ degree + 2``.

    Examples:
        >>> m = Detrend(1)
        >>> x = torch.randn(8, 1, 40)
        >>> torch.allclose(m(x + torch.linspace(-1, 1, 40)), m(x), atol=1e-5)
        True
    """

    def __init__(self, degree: int = 1, keep_mean: bool = False) -> None:
        super().__init__()
        self.degree = check_int(degree, "degree", minimum=0)
        if not isinstance(keep_mean, bool):
            raise TypeError(f"keep_mean must be a bool, got {type(keep_mean).__name__}")
        self.keep_mean = keep_mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return detrend(x, self.degree, keep_mean=self.keep_mean)

    def extra_repr(self) -> str:
        return f"degree={self.degree}, keep_mean={self.keep_mean}"
