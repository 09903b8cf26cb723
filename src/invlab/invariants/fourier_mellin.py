"""The Fourier–Mellin invariant: translation, rotation and scale at once.

Functional form :func:`fourier_mellin` (readable: windowed ``|F x|``, high-pass, log-polar
resampling about DC, normalise, ``|F|``) beside the module :class:`FourierMellin` (the same
values through the fused fast path of ``_fourier_mellin_fast``).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from invlab._resample import apply_matrix, bilinear_matrix
from invlab._validation import check_int, check_positive, check_square, check_tensor
from invlab.invariants._fourier_mellin_fast import fourier_mellin_fast, fourier_mellin_taps
from invlab.invariants.log_polar import _image_shape, log_polar_grid
from invlab.invariants.mellin import _fourier_mellin_1d, _log_frequencies


def radial_hann(shape: tuple[int, int], dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``w(p) = cos²(π ρ / 2R)`` for ``ρ = |p − c| < R = min(H, W)/2``, else 0.

    A rotation-invariant apodisation: it removes the border discontinuities that put a
    fixed cross into ``|F x|`` and commutes with rotations about the centre.
    """
    h, w = shape
    r = torch.arange(h, dtype=torch.float64) - (h - 1) / 2
    c = torch.arange(w, dtype=torch.float64) - (w - 1) / 2
    rho = torch.sqrt(r[:, None] ** 2 + c[None, :] ** 2)
    big_r = min(h, w) / 2
    return torch.where(rho < big_r, torch.cos(math.pi * rho / (2 * big_r)) ** 2, 0.0).to(dtype)


def spectrum_highpass(
    rows: torch.Tensor, cols: torch.Tensor, shape: tuple[int, int]
) -> torch.Tensor:
    """Reddy–Chatterji high-pass at spectrum positions ``(rows, cols)`` of a half spectrum.

    ``H(ξ, η) = (1 − X)(2 − X)`` with ``X = cos(πξ) cos(πη)`` and ``ξ = (row − H//2)/H``,
    ``η = col/W`` in cycles per pixel (DC at ``(H//2, 0)`` of the centred grid): 0 at
    DC, 2 at the Nyquist corners. It flattens the ``1/f`` decay of natural images so that
    the log-polar map is not dominated by the few bins next to DC.
    """
    h, w = shape
    big_x = torch.cos(math.pi * (rows - h // 2) / h) * torch.cos(math.pi * cols / w)
    return (1 - big_x) * (2 - big_x)


def half_spectrum(x: torch.Tensor, window: torch.Tensor | None) -> torch.Tensor:
    """``|rfft2(w · x)|``: the half-plane ``k_col >= 0`` of the magnitude spectrum.

    Row ``i`` holds ``k_row = i`` (mod ``H``), as ``torch.fft`` orders frequencies; the other
    half-plane is the point reflection (``|F(−k)| = |F(k)|`` for real ``x``), so nothing is
    lost.

    Shape:
        ``(..., H, W)`` → ``(..., H, W // 2 + 1)``.
    """
    if window is not None:
        x = x * window.to(dtype=x.dtype, device=x.device)
    return magnitude(torch.fft.rfft2(x))


def magnitude(z: torch.Tensor) -> torch.Tensor:
    """``|z|``; without autograd as ``sqrt(re² + im²)``, several times faster than complex
    ``abs`` on CPU (with autograd, ``abs`` keeps the zero gradient at ``z = 0``)."""
    if z.requires_grad:
        return z.abs()
    return (z.real.square() + z.imag.square()).sqrt()


def fourier_mellin_matrix(
    shape: tuple[int, int],
    n_radii: int,
    n_angles: int,
    r_min: float = 2.0,
    r_max: float | None = None,
    highpass: bool = True,
) -> torch.Tensor:
    """Sparse log-polar resampling (× high-pass) of a :func:`half_spectrum`.

    Points ``r_i`` log-spaced in ``[r_min, r_max]`` bins about DC and ``θ_j ∈ [−π/2, π/2)``
    (the half-plane ``k_col >= 0``), laid out on the centred grid (DC at row ``H//2``) and
    read from the uncentred spectrum. Shape ``(n_radii · n_angles, H · (W//2 + 1))``.
    """
    h, w = shape
    if r_max is None:
        r_max = min(h, w) / 4
        if r_max <= r_min:
            raise ValueError(
                f"images of shape {tuple(shape)} are too small for the default radius range: "
                f"r_max defaults to min(H, W)/4 = {r_max:g} frequency bins, which must exceed "
                f"r_min = {r_min:g}; give both (e.g. r_min=1, r_max={min(h, w) / 2 - 1:g}) or "
                f"use images of at least {4 * math.floor(r_min) + 4}×{4 * math.floor(r_min) + 4}"
            )
    if r_max > min(h, w) / 2 - 1:
        raise ValueError(
            f"r_max must be <= min(H, W)/2 − 1 = {min(h, w) / 2 - 1} frequency bins, got {r_max}"
        )
    rows, cols = log_polar_grid(
        (h, w // 2 + 1),
        n_radii,
        n_angles,
        r_min,
        r_max,
        center=(h // 2, 0.0),
        half_turn=True,
        angle_offset=-math.pi / 2,
    )
    cols = cols.clamp_min(0.0)  # cos(±π/2) is ~1e-17, not 0
    gains = spectrum_highpass(rows, cols, shape) if highpass else None
    return bilinear_matrix(rows, cols, (h, w // 2 + 1), gains, row_offset=h // 2)


def fourier_mellin(
    x: torch.Tensor,
    n_radii: int = 32,
    n_angles: int = 32,
    r_min: float = 2.0,
    r_max: float | None = None,
    window: bool = True,
    highpass: bool = True,
    floor: float | None = None,
    whiten: bool = False,
) -> torch.Tensor:
    """Fourier–Mellin invariant of square images: ``|F_{log r, θ} (L / mean L)|``.

    1. ``|F x|`` after a radial Hann window: invariant to translations (exactly to circular
       ones without the window);
    2. high-pass ``H`` and log-polar resampling ``L`` about DC over half a turn (``|F x|``
       is point-symmetric): a rotation becomes a cyclic shift in ``θ``, a zoom by ``a`` a
       shift by ``−log a`` in ``log r`` and a factor ``a²`` in amplitude;
    3. division by the mean (removes the factor ``a²``), then ``|FFT|`` over ``(log r, θ)``:
       removes both shifts. Options: ``floor=f`` compresses first, ``log(1 + L / (f · mean))``;
       ``whiten=True`` divides each ring ``r_i`` of ``L`` by its mean over ``θ`` (a
       rotation-invariant, zoom-equivariant spectral whitening that also cancels ``H``).

    Invariant to translation, rotation and scale up to boundary effects: content leaving the
    image or the radius range, and interpolation. ``r_max`` defaults to ``H/4`` (half the
    Nyquist radius) because interpolating rotations and zooms damp the highest frequencies.
    This is the readable form (steps 1–2 are :func:`log_polar_spectrum`, a sparse product
    over the batch); :class:`FourierMellin` computes the same values up to float round-off
    with a fused fast path (``invlab.invariants._fourier_mellin_fast``, tested against this
    function).

    Args:
        x: ``(..., H, W)`` square images.
        n_radii, n_angles: log-polar grid size.
        r_min, r_max: radius range in frequency bins (default ``r_max = H/4``).
        window: apply the radial Hann window before the first FFT.
        highpass: apply the Reddy–Chatterji high-pass to ``|F x|``.
        floor: ``None`` (default): no compression; a number ``f > 0``: ``log(1 + L / (f ·
            mean L))``, the compression of earlier versions (``f = 0.1``).
        whiten: divide each ring of ``L`` by its mean over the angles.

    The defaults (no log, no whitening) are what separated images best while keeping
    transformed copies close (``benchmarks/fourier_mellin_margin.py``,
    ``docs/rotation_scale.md``).

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles // 2 + 1)``; ``n_angles`` must be even
        (a quarter turn is then ``n_angles / 2`` whole angular bins).

    Examples:
        >>> fourier_mellin(torch.randn(2, 1, 32, 32), 16, 16).shape
        torch.Size([2, 1, 16, 9])
    """
    x = check_tensor(x, "x", min_dim=2)
    check_square(x, "x", "fourier_mellin")
    _check_compression(floor, n_angles)
    shape = tuple(x.shape[-2:])
    matrix = fourier_mellin_matrix(shape, n_radii, n_angles, r_min, r_max, highpass)
    hann = radial_hann(shape, x.dtype) if window else None
    lp = log_polar_spectrum(x, matrix, hann, n_radii, n_angles)
    tiny = torch.finfo(x.dtype).tiny
    if whiten:
        lp = lp / lp.mean(dim=-1, keepdim=True).clamp_min(tiny)
    lp = lp / lp.mean(dim=(-2, -1), keepdim=True).clamp_min(tiny)
    if floor is not None:
        lp = torch.log1p(lp / floor)
    return magnitude(torch.fft.rfft2(lp, norm="ortho"))


def _check_compression(floor: float | None, n_angles: int) -> None:
    if floor is not None:
        check_positive(floor, "floor")
    check_int(n_angles, "n_angles", minimum=2)
    if n_angles % 2:
        raise ValueError(
            f"n_angles must be even, got {n_angles}: the angles cover half a turn, so a quarter "
            f"turn moves the map by n_angles / 2 bins, a whole number only for an even n_angles "
            f"(odd ones break the exact invariance to 90° rotations)"
        )


def log_polar_spectrum(
    x: torch.Tensor,
    matrix: torch.Tensor,
    window: torch.Tensor | None,
    n_radii: int,
    n_angles: int,
) -> torch.Tensor:
    """Steps 1–2 of :func:`fourier_mellin`: ``L(H · |F(w · x)|)`` on the log-polar grid.

    ``matrix`` is a :func:`fourier_mellin_matrix` (log-polar resampling × high-pass) and
    ``window`` a :func:`radial_hann` or ``None``. ``register_rotation_scale`` phase-correlates
    these maps.

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles)``.
    """
    lp = apply_matrix(matrix, half_spectrum(x, window))
    return lp.reshape(*lp.shape[:-1], n_radii, n_angles)


def fourier_mellin_1d(
    x: torch.Tensor,
    n_radii: int = 32,
    r_min: float = 2.0,
    r_max: float | None = None,
    floor: float | None = 0.1,
) -> torch.Tensor:
    """1D Fourier–Mellin invariant of signals: ``|F_{log k} log(1 + L|F x| / (f · mean))|``.

    ``|rfft x|`` (circular shifts go) resampled at ``n_radii`` log-spaced frequencies ``k_j``
    in ``[r_min, r_max]`` bins (a dilation becomes a shift in ``log k``), divided by its
    mean, log-compressed with floor ``f``, then ``|rfft|`` (the shift goes). Invariant to
    circular shifts exactly and to dilations up to boundary and interpolation effects.
    Unlike the 2D form it keeps the log by default: on the bumps of
    ``tests/invariants/test_mellin.py`` a dilation by 1.3 moves it by 0.07 with the log and by
    0.16 without (the Fourier modulus by 0.35).

    Args:
        x: real ``(..., N)``, ``N >= 8``.
        n_radii: number of log-spaced frequencies.
        r_min, r_max: frequency range in bins (default ``r_max = N//2 − 1``).
        floor: ``f > 0`` in ``log(1 + L / (f · mean))``, or ``None`` for no compression.

    Shape:
        ``(..., N)`` → ``(..., n_radii // 2 + 1)``.

    Examples:
        >>> x = torch.randn(3, 64)
        >>> torch.allclose(fourier_mellin_1d(x), fourier_mellin_1d(torch.roll(x, 9, -1)), atol=1e-5)
        True
    """
    x = check_tensor(x, "x", min_dim=1)
    if floor is not None:
        check_positive(floor, "floor")
    if x.shape[-1] < 8:
        raise ValueError(f"x must have length N >= 8 (last dim), got {x.shape[-1]}")
    positions = _log_frequencies(x.shape[-1], n_radii, r_min, r_max)
    return _fourier_mellin_1d(x, positions, floor)


class FourierMellin(nn.Module):
    """Fourier–Mellin invariant: ``|F_{log r, θ} (L(H · |F x|) / mean)|``.

    2D (``shape=(H, W)``, square): windowed ``|F x|`` removes translation; high-pass ``H``
    and log-polar resampling ``L`` of the spectrum about DC turn rotation into a cyclic
    shift in ``θ`` and a zoom into a shift in ``log r`` (and a factor ``a²`` removed by the
    division by the mean); the final ``|FFT|`` removes both shifts. See
    :func:`fourier_mellin` for every step and for the options ``floor`` (log compression)
    and ``whiten`` (per-ring normalisation).

    1D (``shape=N``, functional twin :func:`fourier_mellin_1d`): ``|rfft x|`` resampled at
    log-spaced frequencies in ``[r_min, r_max]`` bins, normalised (and compressed with
    ``floor``) the same way, then ``|rfft|``: invariant to circular shifts and, up to
    boundary effects, to dilations.

    Invariance: exact for circular translations without the window and for rotations by
    multiples of 90° (``n_angles`` must be even); approximate (boundary and interpolation
    effects) otherwise. Measured on a 64×64 scikit-image photograph: ≤ 0.1 relative change
    for rotations of 30–60° and zooms of 0.8–1.25 (``tests/invariants/test_mellin.py``,
    ``docs/rotation_scale.md``).

    Args:
        shape: ``(H, W)`` with ``H == W`` for images, or ``N`` / ``(N,)`` for signals. An
            int never means images: ``FourierMellin(N)`` refuses inputs ending ``(N, N)``
            (they would be transformed row by row); ``(N,)`` says they are signals.
        n_radii, n_angles: log-polar grid (2D); ``n_radii`` log-frequencies in 1D.
        r_min, r_max: frequency range in bins (default ``r_max = H/4``; ``N/2 − 1`` in 1D).
        window: radial Hann window before the first FFT (2D).
        highpass: Reddy–Chatterji high-pass on ``|F x|`` (2D).
        floor: ``f > 0`` for ``log(1 + L / (f · mean))``, ``None`` for no compression, or
            ``'auto'`` (default): ``None`` for images, ``0.1`` for signals (what measured
            best for each: see :func:`fourier_mellin` and :func:`fourier_mellin_1d`; images
            used 0.1 too before).
        whiten: divide each ring of the log-polar map by its mean over the angles (2D).

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles // 2 + 1)``;
        ``(..., N)`` → ``(..., n_radii // 2 + 1)``.

    Examples:
        >>> fm = FourierMellin((32, 32), n_radii=16, n_angles=16)
        >>> fm(torch.randn(4, 1, 32, 32)).shape
        torch.Size([4, 1, 16, 9])
    """

    def __init__(
        self,
        shape: int | tuple[int, int],
        n_radii: int = 32,
        n_angles: int = 32,
        r_min: float = 2.0,
        r_max: float | None = None,
        window: bool = True,
        highpass: bool = True,
        floor: float | str | None = "auto",
        whiten: bool = False,
    ) -> None:
        super().__init__()
        # (N,) says "signals" explicitly; a bare int also means signals, but then an input
        # shaped like N x N images is refused in forward instead of transformed row by row.
        self.explicit_1d = isinstance(shape, tuple | list) and len(shape) == 1
        if self.explicit_1d:
            shape = shape[0]
        image = not (isinstance(shape, int) and not isinstance(shape, bool))
        if floor == "auto":
            floor = None if image else 0.1
        if isinstance(floor, str):
            raise ValueError(f"floor must be a number > 0, None or 'auto', got {floor!r}")
        self.floor = None if floor is None else check_positive(floor, "floor")
        self.n_radii, self.n_angles = n_radii, n_angles
        self.window, self.highpass, self.whiten = bool(window), bool(highpass), bool(whiten)
        if isinstance(shape, int) and not isinstance(shape, bool):
            check_int(shape, "shape", minimum=8)
            self.dims, self.shape = 1, (shape,)
            self.r_min = r_min
            self.r_max = float(shape // 2 - 1 if r_max is None else r_max)
            positions = _log_frequencies(shape, n_radii, r_min, self.r_max)
            self.register_buffer("positions", positions, persistent=False)
            return
        self.dims, self.shape = 2, _image_shape(shape)
        if self.shape[0] != self.shape[1]:
            raise ValueError(f"shape must be square (H == W) for FourierMellin, got {shape!r}")
        _check_compression(floor, n_angles)
        matrix = fourier_mellin_matrix(self.shape, n_radii, n_angles, r_min, r_max, highpass)
        self.r_min = r_min
        self.r_max = float(self.shape[0] / 4 if r_max is None else r_max)
        # The log-polar resampling with the high-pass gains (a sparse (n_radii·n_angles,
        # H·(W//2+1)) matrix) as embedding_bag taps into the (H, C) corner of the half
        # spectrum, plus one bag for the mean: see fourier_mellin_taps.
        taps, offsets, weights, self.n_cols = fourier_mellin_taps(matrix, self.shape)
        self.register_buffer("taps", taps, persistent=False)
        self.register_buffer("offsets", offsets, persistent=False)
        self.register_buffer("weights", weights.float(), persistent=False)
        self.register_buffer("hann", radial_hann(self.shape), persistent=False)

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Output shape for an input of ``shape``."""
        if self.dims == 1:
            return (*shape[:-1], self.n_radii // 2 + 1)
        return (*shape[:-2], self.n_radii, self.n_angles // 2 + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", min_dim=self.dims)
        if self.dims == 1:
            n = self.shape[0]
            if x.shape[-1] != n:
                raise ValueError(f"x must have length {n}, got {x.shape[-1]}")
            if not self.explicit_1d and x.dim() >= 2 and x.shape[-2] == n:
                raise ValueError(
                    f"FourierMellin({n}) is the 1D transform of signals (..., {n}), but x of "
                    f"shape {tuple(x.shape)} ends like {n}x{n} images, which it would "
                    f"transform row by row (not rotation invariant): for images use "
                    f"FourierMellin(({n}, {n})); for {n}-channel signals say so with "
                    f"FourierMellin(({n},))"
                )
            return _fourier_mellin_1d(x, self.positions, self.floor)
        check_square(x, "x", "FourierMellin")
        if tuple(x.shape[-2:]) != self.shape:
            raise ValueError(f"x must end with shape {self.shape}, got {tuple(x.shape)}")
        return fourier_mellin_fast(
            x,
            self.hann if self.window else None,
            self.taps,
            self.offsets,
            self.weights,
            n_cols=self.n_cols,
            n_radii=self.n_radii,
            n_angles=self.n_angles,
            floor=self.floor,
            whiten=self.whiten,
        )

    def extra_repr(self) -> str:
        return (
            f"shape={self.shape}, n_radii={self.n_radii}, n_angles={self.n_angles}, "
            f"r_min={self.r_min}, r_max={self.r_max}, window={self.window}, "
            f"highpass={self.highpass}, floor={self.floor}, whiten={self.whiten}"
        )
