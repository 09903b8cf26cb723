"""Morlet filter bank and padding plan of the 1D scattering transform (Kymatio 0.3.0 design).

All filters are built in float64 in the Fourier domain, sampled at ``numpy.fft.fftfreq(N)``:

    ψ̂(ω) = ĝ_σ(ω − ξ) − κ ĝ_σ(ω),   φ̂(ω) = ĝ_σ(ω),   ĝ_σ(ω) = exp(−ω² / 2σ²),

each periodised over a few periods of the unit frequency interval, with κ chosen so that
ψ̂(0) = 0, and normalised so that the filter's impulse response has unit ℓ¹ norm. The centre
frequencies follow a geometric progression ξ_{n+1} = ξ_n / 2^{1/Q} down to the scale 2^J, then
Q − 1 linearly spaced filters of constant width cover the remaining low frequencies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

R_PSI = math.sqrt(0.5)  # overlap of adjacent wavelets (amplitude at the crossing point)
SIGMA0 = 0.1  # width of the low-pass filter at scale 1
ALPHA = 5.0  # aliasing tolerance: a filter is subsampled only if ξ + ασ < Nyquist


def xi_max(Q: int) -> float:
    """Largest centre frequency of a Q-per-octave Morlet family."""
    return max(1.0 / (1.0 + 2.0 ** (3.0 / Q)), 0.35)


def sigma_psi(xi: float, Q: int, r: float = R_PSI) -> float:
    """Frequency width that makes adjacent wavelets of a Q-family cross at amplitude ``r``."""
    factor = 1.0 / 2.0 ** (1.0 / Q)
    return xi * (1 - factor) / (1 + factor) / math.sqrt(2 * math.log(1.0 / r))


def max_dyadic_subsampling(xi: float, sigma: float, alpha: float = ALPHA) -> int:
    """Largest j with ξ + ασ < 2^{−(j+1)}: the filter's output may be subsampled by 2^j."""
    upper = min(xi + alpha * sigma, 0.5)
    return int(math.floor(-math.log2(upper)) - 1)


def filterbank_params(J: int, Q: int) -> tuple[list[float], list[float], list[int]]:
    """Centre frequencies ξ, widths σ and maximal subsamplings j of one wavelet family."""
    sigma_min = SIGMA0 / 2.0**J
    xi = xi_max(Q)
    sigma = sigma_psi(xi, Q)
    xis: list[float] = []
    sigmas: list[float] = []
    if sigma > sigma_min:
        xis, sigmas = [xi], [sigma]
        while sigmas[-1] > sigma_min * 2.0 ** (1.0 / Q):
            xis.append(xis[-1] / 2.0 ** (1.0 / Q))
            sigmas.append(sigmas[-1] / 2.0 ** (1.0 / Q))
        elbow = xis[-1]
    else:
        elbow = sigma
    for q in range(1, Q):
        xis.append(elbow - q / Q * elbow)
        sigmas.append(sigma_min)
    js = [max_dyadic_subsampling(x, s) for x, s in zip(xis, sigmas)]
    return xis, sigmas, js


def _num_periods(sigma: float, eps: float = 1e-7) -> int:
    """Periods P of the frequency axis to sum so that the Gaussian tails are below ``eps``."""
    return min(math.ceil(math.sqrt(-2 * sigma**2 * math.log(eps)) + 1), 5)


def morlet_1d(N: int, xis: list[float], sigmas: list[float]) -> np.ndarray:
    """Fourier transforms of Morlet wavelets (ξ > 0) or Gaussians (ξ = 0), shape ``(F, N)``.

    Filters with the same number of periods are computed together.
    """
    out = np.empty((len(xis), N))
    xis_a, sigmas_a = np.asarray(xis, dtype=float), np.asarray(sigmas, dtype=float)
    periods = np.array([_num_periods(s) for s in sigmas], dtype=int)
    for P in np.unique(periods):
        idx = np.nonzero(periods == P)[0]
        xi, sigma = xis_a[idx, None], sigmas_a[idx, None]
        freqs = np.arange((1 - P) * N, P * N, dtype=float) / N
        low_freqs = np.fft.fftfreq(N) if P == 1 else freqs
        low = np.exp(-(low_freqs**2) / (2 * sigma**2))
        low = low.reshape(len(idx), -1, N).mean(axis=1)
        gabor = np.exp(-((freqs - xi) ** 2) / (2 * sigma**2))
        gabor = gabor.reshape(len(idx), 2 * P - 1, N).mean(axis=1)
        kappa = gabor[:, :1] / low[:, :1]
        filt = np.where(xi > 0, gabor - kappa * low, low)
        filt /= np.abs(np.fft.ifft(filt, axis=-1)).sum(axis=-1, keepdims=True)
        out[idx] = filt
    return out


def periodize(h_f: np.ndarray, k: int) -> np.ndarray:
    """Fourier transform of the 2^k-fold subsampled filter: mean over the 2^k periods."""
    return h_f.reshape((*h_f.shape[:-1], 2**k, -1)).mean(axis=-2)


def temporal_support(h_f: np.ndarray, criterion: float = 1e-3) -> int:
    """Half support N such that the ℓ¹ mass of the filter outside [−N, N] is ≤ ``criterion``."""
    h = np.abs(np.fft.ifft(h_f))
    half = h.shape[-1] // 2
    residual = np.cumsum(h[:half][::-1])[::-1]
    below = np.nonzero(residual <= criterion)[0]
    return int(below[0]) + 1 if below.size else half


@dataclass(frozen=True)
class Padding1D:
    """Where a length-``N`` signal sits inside its dyadic padded support."""

    N: int
    N_padded: int
    pad_left: int
    pad_right: int
    ind_start: tuple[int, ...]  # start of the signal after subsampling by 2^k, k = 0, 1, ...
    ind_end: tuple[int, ...]


def padding_1d(N: int, J: int, T: int) -> Padding1D:
    """Padded length (a power of 2, at least N + 2·3·support(φ)) and the unpadding indices."""
    log2_T = math.floor(math.log2(T))
    phi_f = morlet_1d(N, [0.0], [SIGMA0 / T])[0]
    min_to_pad = 3 * temporal_support(phi_f)
    J_max_support = int(np.floor(np.log2(3 * N - 2)))  # keeps each pad below N for 'reflect'
    J_pad = min(int(np.ceil(np.log2(N + 2 * min_to_pad))), J_max_support)
    N_padded = 2**J_pad
    pad_left = (N_padded - N) // 2
    pad_right = N_padded - N - pad_left
    start, end = [pad_left], [pad_left + N]
    for _ in range(max(log2_T, J)):
        start.append(start[-1] // 2 + start[-1] % 2)
        end.append(end[-1] // 2 + end[-1] % 2)
    return Padding1D(N, N_padded, pad_left, pad_right, tuple(start), tuple(end))
