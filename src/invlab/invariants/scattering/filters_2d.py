"""Morlet filter bank of the 2D scattering transform (Kymatio 0.3.0 design), built in float64.

In space, on the padded M×N grid periodised over 5×5 copies,

    gabor(u) = exp(−uᵀ R_θ D R_θᵀ u / 2σ² + i ξ (u₁ cos θ + u₂ sin θ)) / (2π σ² / s),
    D = diag(1, s²),      ψ = gabor_ξ − κ gabor_0   (κ: zero mean),     φ = gabor_{ξ=0, s=1},

with σ = 0.8·2^j, ξ = 3π/4 / 2^j, slant s = 4/L and angles θ = (L/2 − 1 − ℓ)π/L. The filters
are kept in the Fourier domain (real part of the FFT), and at every coarser resolution ``res``
as the centred crop of their spectrum to size (M, N)/2^res.
"""

from __future__ import annotations

import math

import numpy as np

_PI_KYMATIO = 3.1415  # the normalisation constant Kymatio uses (cancels in the output up to 1e-5)


def padded_shape(M: int, N: int, J: int) -> tuple[int, int]:
    """Smallest multiple of 2^J strictly larger than (size + 2^J): room for the border effects."""
    return ((M + 2**J) // 2**J + 1) * 2**J, ((N + 2**J) // 2**J + 1) * 2**J


def _gabor_sums(M, N, sigma, thetas, xi, slant) -> tuple[np.ndarray, np.ndarray]:
    """Periodised Gabor filters and their Gaussian envelopes, ``(len(thetas), M, N)`` each."""
    thetas = np.asarray(thetas, dtype=float)
    # Kymatio builds its rotation matrices in float32; rounding the same way keeps 1e-7 agreement
    c = np.cos(thetas).astype(np.float32).astype(float)
    s = np.sin(thetas).astype(np.float32).astype(float)
    # curvature R D Rᵀ / 2σ² with D = diag(1, slant²)
    a = (c * c + slant**2 * s * s) / (2 * sigma**2)
    b = 2 * (c * s - slant**2 * s * c) / (2 * sigma**2)
    d = (s * s + slant**2 * c * c) / (2 * sigma**2)
    shifts = np.arange(-2, 3)
    xx = (np.arange(M)[None, :] + M * shifts[:, None]).astype(float)  # (5, M)
    yy = (np.arange(N)[None, :] + N * shifts[:, None]).astype(float)  # (5, N)
    X = xx[:, None, :, None]  # (5, 1, M, 1)
    Y = yy[None, :, None, :]  # (1, 5, 1, N)
    wave = np.empty((len(thetas), M, N), dtype=complex)
    envelope = np.empty((len(thetas), M, N))
    norm = 2 * _PI_KYMATIO * sigma**2 / slant
    for i in range(len(thetas)):
        env = np.exp(-(a[i] * X * X + b[i] * X * Y + d[i] * Y * Y))
        envelope[i] = env.sum(axis=(0, 1)) / norm
        if (
            xi
        ):  # the plane wave is separable: e^{iξ(x cos θ + y sin θ)} = e^{iξx cos θ}·e^{iξy sin θ}
            phase = np.exp(1j * xi * np.cos(thetas[i]) * X) * np.exp(
                1j * xi * np.sin(thetas[i]) * Y
            )
            wave[i] = (env * phase).sum(axis=(0, 1)) / norm
        else:
            wave[i] = envelope[i]
    return wave, envelope


def gabor_2d(
    M: int, N: int, sigma: float, thetas: np.ndarray, xi: float, slant: float
) -> np.ndarray:
    """Periodised Gabor filters in space, one per angle: shape ``(len(thetas), M, N)``, complex."""
    return _gabor_sums(M, N, sigma, thetas, xi, slant)[0]


def morlet_2d(M: int, N: int, sigma: float, thetas: np.ndarray, xi: float, slant: float):
    """Zero-mean Morlet wavelets ψ = gabor_ξ − κ·gabor_0 in space, shape ``(L, M, N)``."""
    wave, envelope = _gabor_sums(M, N, sigma, thetas, xi, slant)
    kappa = wave.sum(axis=(-2, -1), keepdims=True) / envelope.sum(axis=(-2, -1), keepdims=True)
    return wave - kappa * envelope


def crop_spectrum(h_f: np.ndarray, res: int) -> np.ndarray:
    """The filter at resolution 2^−res: keep the centred low-frequency band of size (M, N)/2^res.

    Frequencies outside the band are zeroed, then the spectrum is folded onto the smaller grid
    (each kept frequency lands on exactly one cell).
    """
    M, N = h_f.shape[-2:]
    k = 2**res
    h = h_f.copy()
    for axis, n in ((-2, M), (-1, N)):
        start, length = int(n * 2 ** (-res - 1)), int(n * (1 - 2 ** (-res)))
        idx = [slice(None)] * h.ndim
        idx[axis] = slice(start, start + length)
        h[tuple(idx)] = 0
    h = h.reshape((*h.shape[:-2], k, M // k, k, N // k))
    return h.sum(axis=(-4, -2))


def angles(L: int) -> np.ndarray:
    """Wavelet orientations θ_ℓ = (⌊L/2⌋ − 1 − ℓ)·π/L, ℓ = 0 … L−1 (Kymatio's order)."""
    return (int(L - L / 2 - 1) - np.arange(L)) * math.pi / L


def filter_bank_2d(M: int, N: int, J: int, L: int) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Fourier-domain filters on the padded grid.

    Returns:
        phi: ``(M, N)`` low-pass φ̂ at full resolution.
        psi: ``psi[j][res]`` of shape ``(L, M/2^res, N/2^res)``, for res = 0 … min(j, J − 2).
    """
    psi = []
    for j in range(J):
        wavelets = morlet_2d(M, N, 0.8 * 2**j, angles(L), 3.0 / 4.0 * math.pi / 2**j, 4.0 / L)
        psi_f = np.fft.fft2(wavelets).real
        psi.append([crop_spectrum(psi_f, res) for res in range(min(j + 1, max(J - 1, 1)))])
    phi = np.fft.fft2(gabor_2d(M, N, 0.8 * 2 ** (J - 1), np.zeros(1), 0.0, 1.0)[0]).real
    return phi, psi
