"""The Mellin transform modulus: a dilation invariant for 1D signals."""

from __future__ import annotations

import torch
from torch import nn

from invlab._resample import linear_sample_1d, log_positions
from invlab._validation import check_int, check_tensor


def mellin(
    x: torch.Tensor,
    n_log: int = 64,
    r_min: float = 1.0,
    r_max: float | None = None,
    origin: int = 0,
) -> torch.Tensor:
    """Modulus of the Mellin transform on the line ``Re s = 0``, by log resampling then FFT.

    ``M x(ω) = |∫ x(t) t^{iω−1} dt| = |∫ x(e^u) e^{iωu} du|``: dilating about the origin,
    ``x(t/a)``, shifts ``u ↦ x(e^u)`` by ``log a``, which the modulus ignores. Here
    ``x`` is sampled (linear interpolation) at ``t_j = origin + r_j`` with ``r_j`` log-spaced
    in ``[r_min, r_max]``, then ``|rfft|`` is taken over ``j``. Invariance is exact for
    dilations by a whole number of log-steps of a signal supported inside
    ``[r_min, r_max]``; otherwise up to interpolation and boundary effects.

    Args:
        x: real ``(..., N)``.
        n_log: number of log-spaced samples.
        r_min, r_max: the range of distances from ``origin`` (default ``r_max = N−1−origin``).
        origin: index of the dilation's fixed point.

    Shape:
        ``(..., N)`` → ``(..., n_log // 2 + 1)``.

    Examples:
        >>> mellin(torch.randn(4, 64), n_log=32).shape
        torch.Size([4, 17])
    """
    x = check_tensor(x, "x", min_dim=1)
    positions = _mellin_positions(x.shape[-1], n_log, r_min, r_max, origin)
    return torch.fft.rfft(linear_sample_1d(x, positions), dim=-1).abs()


def _mellin_positions(
    n: int, n_log: int, r_min: float, r_max: float | None, origin: int
) -> torch.Tensor:
    check_int(origin, "origin", minimum=0)
    if origin >= n - 1:
        raise ValueError(f"origin must be < N−1 = {n - 1}, got {origin}")
    if r_max is None:
        r_max = float(n - 1 - origin)
    return origin + log_positions(n_log, r_min, r_max)


class Mellin(nn.Module):
    """``|rfft_j x(origin + r_j)|`` with ``r_j`` log-spaced: invariant to dilation.

    ``M x(ω) = |∫ x(e^u) e^{iωu} du|``: dilating about ``origin``, ``x(t/a)``, shifts the
    log-resampled signal by ``log a`` and leaves the modulus unchanged, as ``|F|`` ignores
    shifts. Exact for dilations by a whole number of log-steps
    ``(r_max/r_min)^{1/(n_log−1)}`` of a signal supported in ``[r_min, r_max]``; otherwise up
    to linear interpolation and boundary effects.

    Args:
        length: ``N``, the signals' length.
        n_log: number of log-spaced samples.
        r_min, r_max: the range of distances from the origin (default ``r_max = N−1−origin``).
        origin: index of the dilation's fixed point.

    Shape:
        ``(..., N)`` → ``(..., n_log // 2 + 1)``.

    Examples:
        >>> m = Mellin(64, n_log=32)
        >>> m(torch.randn(8, 1, 64)).shape
        torch.Size([8, 1, 17])
    """

    def __init__(
        self,
        length: int,
        n_log: int = 64,
        r_min: float = 1.0,
        r_max: float | None = None,
        origin: int = 0,
    ) -> None:
        super().__init__()
        self.length = check_int(length, "length", minimum=3)
        positions = _mellin_positions(length, n_log, r_min, r_max, origin)
        self.n_log, self.origin = n_log, origin
        self.r_min, self.r_max = float(positions[0] - origin), float(positions[-1] - origin)
        self.register_buffer("positions", positions, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", min_dim=1)
        if x.shape[-1] != self.length:
            raise ValueError(f"x must have length {self.length} (last dim), got {x.shape[-1]}")
        return torch.fft.rfft(linear_sample_1d(x, self.positions), dim=-1).abs()

    @property
    def log_step(self) -> float:
        """The dilation factor that shifts the log grid by exactly one sample."""
        return (self.r_max / self.r_min) ** (1 / (self.n_log - 1))

    def extra_repr(self) -> str:
        return (
            f"length={self.length}, n_log={self.n_log}, r_min={self.r_min}, "
            f"r_max={self.r_max}, origin={self.origin}"
        )


# The 1D Fourier–Mellin steps of invlab.invariants.fourier_mellin: |rfft x| read at
# log-spaced frequencies (a dilation becomes a shift), normalised, then |rfft|.
def _log_frequencies(n: int, n_radii: int, r_min: float, r_max: float | None) -> torch.Tensor:
    r_max = float(n // 2 - 1 if r_max is None else r_max)
    if r_max > n // 2:
        raise ValueError(f"r_max must be <= N//2 = {n // 2}, got {r_max}")
    return log_positions(n_radii, r_min, r_max)


def _fourier_mellin_1d(
    x: torch.Tensor, positions: torch.Tensor, floor: float | None
) -> torch.Tensor:
    lp = linear_sample_1d(torch.fft.rfft(x, dim=-1).abs(), positions)
    lp = lp / lp.mean(-1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny)
    if floor is not None:
        lp = torch.log1p(lp / floor)
    return torch.fft.rfft(lp, norm="ortho").abs()
