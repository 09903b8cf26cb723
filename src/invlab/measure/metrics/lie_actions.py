"""Continuous actions for the Lie derivative: band-limited (Fourier) translation, rotation, scale.

The Lie derivative needs an action ``T_t`` that is differentiable in ``t``; invlab's
:class:`~invlab.transforms.Shift` moves by whole samples and :class:`~invlab.transforms.Rotate`
/ :class:`~invlab.transforms.Scale` interpolate bilinearly, whose derivative at ``t = 0`` is a
one-sided difference (the kink of bilinear interpolation sits exactly on the grid). Here every
action moves the **band-limited (trigonometric) interpolant** of the signal,

    x(q) = Re[(1/N) Σ_k X_k e^{2πi k q / N}],   X = FFT(x),  k ∈ fftfreq(N)·N,

which is smooth in ``q``, so ``d/dt T_t x`` at ``t = 0`` exists and is the generator
``A x = −ξ · ∇x`` with the spectral gradient ``∇x`` and the velocity field ``ξ`` of the
transformation (coordinates ``(r, c)`` about the centre ``((H−1)/2, (W−1)/2)``):

* ``translate`` (1D) / ``translate_y`` (rows) / ``translate_x`` (columns): ``ξ = e``; one unit
  of ``t`` is one input sample, the same sign as :class:`~invlab.transforms.Shift`
  (``(T_t x)[n] = x(n − t)``);
* ``rotate``: ``A x = c ∂_r x − r ∂_c x``; ``t`` in radians, counter-clockwise as displayed like
  :class:`~invlab.transforms.Rotate`;
* ``scale``: ``A x = −(r ∂_r x + c ∂_c x)``; ``t = log s`` (``T_t`` zooms by ``e^t``, like
  :class:`~invlab.transforms.Scale` with ``s = e^t``).

Why Fourier rather than bilinear: a circular, stride-1 linear convolution commutes exactly with
the Fourier translation by any real ``t`` (both are diagonal in the Fourier basis), so such a
network has a Lie derivative of exactly 0, and every non-zero value is the model's, not the
interpolation's (Gruver et al. make the same choice for translation). For rotation and scale
the action of the interpolant is not a group action on the periodic grid (the plane's
rotation does not preserve the torus), but its derivative at the identity is well defined and
matches central finite differences of :func:`apply_action` (tests); signals should vanish near
the border (zero background), as the interpolant is periodic.

A feature map of another size is the same field sampled more coarsely: a translation by ``t``
input samples moves a map of length ``n`` by ``t · n / N`` of its samples (:func:`tangent`'s
``rate``), rotation and scale act on it about its own centre at the same rate.
"""

from __future__ import annotations

import math

import torch

GENERATORS = ("translate", "translate_x", "translate_y", "rotate", "scale")
SPATIAL = {"translate": 1, "translate_x": 2, "translate_y": 2, "rotate": 2, "scale": 2}


def generators_for(transform) -> list[str]:
    """The generators measured for an invlab transform: its continuous counterpart.

    ``Shift`` (1D) → ``translate``; ``Shift(dims=2)`` → ``translate_x``, ``translate_y``;
    ``Rotate`` → ``rotate``; ``Scale`` → ``scale``.
    """
    from invlab.transforms import Rotate, Scale, Shift

    if isinstance(transform, Shift):
        return ["translate"] if transform.spatial_dims == 1 else ["translate_x", "translate_y"]
    if isinstance(transform, Rotate):
        return ["rotate"]
    if isinstance(transform, Scale):
        return ["scale"]
    raise ValueError(
        f"the Lie derivative needs a continuous transformation: Shift, Rotate or Scale, got "
        f"{transform!r}"
    )


def spectral_derivative(x: torch.Tensor, dim: int) -> torch.Tensor:
    """``∂x/∂q`` of the band-limited interpolant along ``dim``, at the grid points."""
    n = x.shape[dim]
    k = torch.fft.fftfreq(n, d=1.0 / n, device=x.device, dtype=_real(x.dtype))
    shape = [1] * x.dim()
    shape[dim] = n
    spec = torch.fft.fft(x, dim=dim) * (2j * math.pi / n) * k.view(shape)
    # .real drops the Nyquist term's derivative, which vanishes on the grid (sin(π n) = 0)
    return torch.fft.ifft(spec, dim=dim).real.to(x.dtype)


def tangent(x: torch.Tensor, generator: str, rate: float | tuple[float, float] = 1.0):
    """``A x = d/dt T_t x`` at ``t = 0`` for a batch ``(B, ..., N)`` or ``(B, ..., H, W)``.

    ``rate``: for translations, feature-map samples per input sample (``n / N``; a pair
    ``(rows, cols)`` in 2D); ignored by rotation and scale.
    """
    if generator == "translate":
        r = rate if isinstance(rate, float | int) else rate[-1]
        return -r * spectral_derivative(x, -1)
    rr, rc = (rate, rate) if isinstance(rate, float | int) else rate
    if generator == "translate_x":
        return -rc * spectral_derivative(x, -1)
    if generator == "translate_y":
        return -rr * spectral_derivative(x, -2)
    r, c = _centred(x)
    d_r, d_c = spectral_derivative(x, -2), spectral_derivative(x, -1)
    if generator == "rotate":
        return c * d_r - r * d_c
    if generator == "scale":
        return -(r * d_r + c * d_c)
    raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, got {generator!r}")


def apply_action(x: torch.Tensor, generator: str, t: float) -> torch.Tensor:
    """``T_t x``: the band-limited interpolant moved by ``t`` and sampled on the grid.

    Translation is exact for every ``t`` (a phase ramp); rotation and scale evaluate the
    interpolant at the warped coordinates (``O(H·W)`` per output pixel: small images only,
    as used for finite differences and tests).
    """
    if generator in ("translate", "translate_x", "translate_y"):
        dim = -2 if generator == "translate_y" else -1
        n = x.shape[dim]
        k = torch.fft.fftfreq(n, d=1.0 / n, device=x.device, dtype=_real(x.dtype))
        shape = [1] * x.dim()
        shape[dim] = n
        phase = torch.exp(-2j * math.pi * t * k.view(shape) / n)
        return torch.fft.ifft(torch.fft.fft(x, dim=dim) * phase, dim=dim).real.to(x.dtype)
    h, w = x.shape[-2:]
    r, c = _centred(x)
    if generator == "rotate":
        cos, sin = math.cos(t), math.sin(t)
        src_r, src_c = cos * r + sin * c, -sin * r + cos * c
    elif generator == "scale":
        src_r, src_c = r * math.exp(-t), c * math.exp(-t)
    else:
        raise ValueError(f"generator must be one of {', '.join(GENERATORS)}, got {generator!r}")
    src_r, src_c = torch.broadcast_tensors(src_r + (h - 1) / 2, src_c + (w - 1) / 2)
    return fourier_sample(x, src_r, src_c)


def fourier_sample(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """The band-limited interpolant of ``x (B, ..., H, W)`` at ``(rows, cols)`` ``(H, W)``."""
    h, w = x.shape[-2:]
    spec = torch.fft.fft2(x.to(torch.complex128 if x.dtype == torch.float64 else torch.complex64))
    kr = torch.fft.fftfreq(h, d=1.0 / h, device=x.device, dtype=_real(x.dtype))
    kc = torch.fft.fftfreq(w, d=1.0 / w, device=x.device, dtype=_real(x.dtype))
    e_r = torch.exp(2j * math.pi * rows.reshape(-1, 1) * kr / h)  # (P, H)
    e_c = torch.exp(2j * math.pi * cols.reshape(-1, 1) * kc / w)  # (P, W)
    half = spec @ e_c.T.to(spec.dtype)  # (..., H, P)
    out = (half * e_r.T.to(spec.dtype)).sum(-2) / (h * w)
    return out.real.to(x.dtype).reshape(*x.shape[:-2], h, w)


def _centred(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    h, w = x.shape[-2:]
    r = torch.arange(h, dtype=x.dtype, device=x.device) - (h - 1) / 2
    c = torch.arange(w, dtype=x.dtype, device=x.device) - (w - 1) / 2
    return r.view(h, 1), c.view(1, w)


def _real(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32
