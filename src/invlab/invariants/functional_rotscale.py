"""Functional forms of the rotation and scale invariants: bispectrum, Mellin, log-polar and
Fourier–Mellin (no state, no buffers; the modules hold their grids as buffers).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from invlab._resample import bilinear_sample, linear_sample_1d
from invlab._validation import check_choice, check_int, check_positive, check_tensor

# ----------------------------------------------------------------------------------------
# Bispectrum
# ----------------------------------------------------------------------------------------


def bispectrum_pairs(
    shape: int | tuple[int, int], which: str = "reduced", max_freq: int | None = None
) -> torch.Tensor:
    """Frequency pairs ``(k1, k2)`` at which to evaluate the bispectrum.

    1D (``shape = N``), rows ``(k1, k2)``:

    * ``'full'``: every ``0 <= k1 <= k2 < N`` (all values up to the symmetry
      ``B(k1, k2) = B(k2, k1)``): ``N (N + 1) / 2`` pairs.
    * ``'reduced'``: ``(0, k)`` and ``(1, k)`` for ``k = 0 … N//2``: ``2 (N//2 + 1)`` pairs,
      enough to recover a real signal up to a shift (see :func:`invert_bispectrum`).

    2D (``shape = (H, W)``), rows ``(k1_row, k1_col, k2_row, k2_col)``: ``k1 ∈ {(0,0),
    (1,0), (0,1)}`` and ``k2`` over the half-plane of the real FFT (``'reduced'``), or ``k1``
    and ``k2`` both over the low frequencies ``|k| <= max_freq`` of the half-plane
    (``'full'``, default ``max_freq = 4``).

    Examples:
        >>> bispectrum_pairs(8).shape
        torch.Size([10, 2])
    """
    check_choice(which, "which", ("full", "reduced"))
    if isinstance(shape, int):
        n = check_int(shape, "shape", minimum=2)
        if which == "full":
            k1, k2 = torch.triu_indices(n, n)
            return torch.stack([k1, k2], 1)
        k = torch.arange(n // 2 + 1)
        return torch.cat(
            [torch.stack([torch.zeros_like(k), k], 1), torch.stack([torch.ones_like(k), k], 1)]
        )
    h, w = (check_int(s, "shape", minimum=2) for s in shape)
    rows = torch.arange(h)
    rows = torch.where(rows > h // 2, rows - h, rows)  # signed row frequencies
    half = torch.cartesian_prod(rows, torch.arange(w // 2 + 1))  # (h*(w//2+1), 2)
    if which == "reduced":
        firsts = torch.tensor([[0, 0], [1, 0], [0, 1]])
    else:
        m = 4 if max_freq is None else check_int(max_freq, "max_freq", minimum=1)
        firsts = half[(half.abs() <= m).all(1)]
        half = firsts
    k1 = firsts.repeat_interleave(half.shape[0], 0)
    k2 = half.repeat(firsts.shape[0], 1)
    return torch.cat([k1, k2], 1)


def bispectrum(x: torch.Tensor, pairs: torch.Tensor, dims: int = 1) -> torch.Tensor:
    """``B(k1, k2) = F(k1) F(k2) conj(F(k1 + k2))`` at the given frequency pairs.

    A circular shift by ``s`` multiplies ``F(k)`` by ``e^{−2πi k s/N}``; the three phases
    cancel, so ``B`` is exactly invariant to circular shifts (2D: circular translations).
    Unlike ``|F|`` it keeps the relative phases, and determines a generic signal up to a
    shift.

    Args:
        x: real ``(..., N)`` (``dims=1``) or ``(..., H, W)`` (``dims=2``).
        pairs: integer ``(P, 2)`` (1D) or ``(P, 4)`` (2D) frequencies, see
            :func:`bispectrum_pairs`; frequencies are taken modulo the length.
        dims: 1 or 2.

    Shape:
        ``(..., N)`` or ``(..., H, W)`` → complex ``(..., P)``.

    Examples:
        >>> x = torch.randn(3, 16)
        >>> p = bispectrum_pairs(16, "full")
        >>> b = bispectrum(x, p)
        >>> torch.allclose(b, bispectrum(torch.roll(x, 5, -1), p), atol=1e-3)
        True
    """
    check_choice(dims, "dims", (1, 2))
    x = check_tensor(x, "x", min_dim=dims)
    if x.is_complex():
        raise TypeError("x must be real")
    if not isinstance(pairs, torch.Tensor) or pairs.dim() != 2 or pairs.shape[1] != 2 * dims:
        raise ValueError(
            f"pairs must be an integer tensor of shape (P, {2 * dims}) for dims={dims}, got "
            f"{getattr(pairs, 'shape', type(pairs).__name__)}"
        )
    pairs = pairs.long().to(x.device)
    if dims == 1:
        n = x.shape[-1]
        f = torch.fft.fft(x, dim=-1)
        k1, k2 = pairs[:, 0] % n, pairs[:, 1] % n
        return f[..., k1] * f[..., k2] * f[..., (k1 + k2) % n].conj()
    h, w = x.shape[-2:]
    f = torch.fft.fft2(x).flatten(-2)

    def flat(r: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return (r % h) * w + (c % w)

    a = flat(pairs[:, 0], pairs[:, 1])
    b = flat(pairs[:, 2], pairs[:, 3])
    c = flat(pairs[:, 0] + pairs[:, 2], pairs[:, 1] + pairs[:, 3])
    return f[..., a] * f[..., b] * f[..., c].conj()


def invert_bispectrum(b: torch.Tensor, n: int) -> torch.Tensor:
    """Recover a real signal from its reduced 1D bispectrum, up to a (fractional) shift.

    With ``b`` evaluated at ``bispectrum_pairs(n, 'reduced')``:
    ``F(0) = ∛B(0,0)``, ``|F(k)|² = B(0,k)/F(0)`` and, fixing ``arg F(1) = 0``,
    ``arg F(k+1) = arg F(1) + arg F(k) − arg B(1,k)``. The result is the shift of ``x`` whose
    first harmonic has zero phase; requires ``F(0) ≠ 0`` and ``F(k) ≠ 0`` (true for generic
    signals).

    Args:
        b: complex ``(..., 2 (n//2 + 1))`` reduced bispectrum.
        n: the signal's length.

    Shape:
        ``(..., 2 (n//2 + 1))`` → ``(..., n)``.

    Examples:
        >>> x = torch.randn(2, 15, dtype=torch.float64)
        >>> y = invert_bispectrum(bispectrum(x, bispectrum_pairs(15)), 15)
        >>> torch.allclose(torch.fft.rfft(y).abs(), torch.fft.rfft(x).abs())
        True
    """
    check_int(n, "n", minimum=2)
    m = n // 2 + 1
    b = check_tensor(b, "b", min_dim=1)
    if not b.is_complex() or b.shape[-1] != 2 * m:
        raise ValueError(
            f"b must be the complex reduced bispectrum with {2 * m} coefficients for n={n}, "
            f"got dtype {b.dtype} and shape {tuple(b.shape)}"
        )
    b0, b1 = b[..., :m], b[..., m:]
    f0 = torch.sign(b0[..., 0].real) * b0[..., 0].real.abs().pow(1 / 3)
    mag = (b0.real / f0.unsqueeze(-1)).clamp_min(0).sqrt()
    # arg F(k+1) = −Σ_{j=1..k} arg B(1, j) with arg F(1) = 0.
    phase = torch.zeros_like(mag)
    if m > 2:
        phase[..., 2:] = -torch.cumsum(torch.angle(b1[..., 1 : m - 1]), dim=-1)
    spectrum = torch.polar(mag, phase)
    spectrum[..., 0] = f0.to(spectrum.dtype)
    return torch.fft.irfft(spectrum, n=n, dim=-1)


# ----------------------------------------------------------------------------------------
# Mellin (1D)
# ----------------------------------------------------------------------------------------


def log_positions(n_log: int, r_min: float, r_max: float) -> torch.Tensor:
    """``r_j = r_min (r_max / r_min)^{j/(n_log−1)}``, ``j = 0 … n_log−1`` (float64)."""
    check_int(n_log, "n_log", minimum=2)
    r_min = check_positive(r_min, "r_min")
    r_max = check_positive(r_max, "r_max")
    if r_max <= r_min:
        raise ValueError(f"r_max must be > r_min, got r_min={r_min}, r_max={r_max}")
    return r_min * (r_max / r_min) ** (torch.arange(n_log, dtype=torch.float64) / (n_log - 1))


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


# ----------------------------------------------------------------------------------------
# Log-polar resampling (2D)
# ----------------------------------------------------------------------------------------


def log_polar_grid(
    shape: tuple[int, int],
    n_radii: int,
    n_angles: int,
    r_min: float = 1.0,
    r_max: float | None = None,
    center: tuple[float, float] | None = None,
    half_turn: bool = False,
    angle_offset: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates ``(rows, cols)``, each ``(n_radii, n_angles)``, of a log-polar grid.

    ``row = c_r − r_i sin θ_j``, ``col = c_c + r_i cos θ_j`` with ``r_i`` log-spaced in
    ``[r_min, r_max]`` and ``θ_j = θ_0 + T j / n_angles`` (``T = 2π``, or ``π`` with
    ``half_turn``; ``θ_0 = angle_offset`` radians); ``θ`` grows counter-clockwise as
    displayed. Defaults: centre ``((H−1)/2, (W−1)/2)``, ``r_max = min(H, W)/2 − 1``.
    """
    h, w = shape
    check_int(n_radii, "n_radii", minimum=2)
    check_int(n_angles, "n_angles", minimum=1)
    if r_max is None:
        r_max = min(h, w) / 2 - 1
    radii = log_positions(n_radii, r_min, r_max)
    turn = math.pi if half_turn else 2 * math.pi
    theta = angle_offset + turn * torch.arange(n_angles, dtype=torch.float64) / n_angles
    cr, cc = ((h - 1) / 2, (w - 1) / 2) if center is None else center
    rows = cr - radii[:, None] * torch.sin(theta)[None, :]
    cols = cc + radii[:, None] * torch.cos(theta)[None, :]
    return rows, cols


def log_polar(
    x: torch.Tensor,
    n_radii: int = 32,
    n_angles: int = 32,
    r_min: float = 1.0,
    r_max: float | None = None,
    center: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Resample images on a log-polar grid (bilinear, differentiable).

    ``L x(i, j) = x(c + r_i (−sin θ_j, cos θ_j))``: a rotation of ``x`` about ``c`` by ``α``
    becomes a cyclic shift of ``j`` by ``α n_angles / 2π``, a zoom by ``a`` a shift of ``i``
    by ``log a / log(r_max/r_min) · (n_radii − 1)``.

    Args:
        x: ``(..., H, W)``.
        n_radii, n_angles: output size.
        r_min, r_max: radius range in pixels (default ``r_max = min(H, W)/2 − 1``).
        center: ``(row, col)`` of the origin (default the image centre).

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles)``.

    Examples:
        >>> log_polar(torch.randn(2, 1, 32, 32), 16, 24).shape
        torch.Size([2, 1, 16, 24])
    """
    x = check_tensor(x, "x", min_dim=2)
    rows, cols = log_polar_grid(x.shape[-2:], n_radii, n_angles, r_min, r_max, center)
    return sample_images(x, rows, cols)


def sample_images(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """:func:`bilinear_sample` for any number of leading dimensions (including none)."""
    lead = x.shape[:-2]
    flat = x.reshape(1, -1, *x.shape[-2:])
    out = bilinear_sample(flat, rows.to(x.device), cols.to(x.device))
    return out.reshape(*lead, *out.shape[-2:])


# ----------------------------------------------------------------------------------------
# Fourier–Mellin (2D)
# ----------------------------------------------------------------------------------------


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


def bilinear_matrix(
    rows: torch.Tensor,
    cols: torch.Tensor,
    shape: tuple[int, int],
    weights: torch.Tensor | None = None,
    row_offset: int = 0,
) -> torch.Tensor:
    """Bilinear interpolation at ``(rows, cols)`` as a sparse ``(P, H·W)`` matrix.

    ``(M x)_p = g_p Σ_taps w_tap x[tap]`` with the four bilinear taps of point ``p`` (taps
    outside the image are dropped, i.e. zero padding) and optional per-point gains
    ``g_p = weights[p]``. With ``row_offset = o`` the tap in row ``r`` reads row
    ``(r − o) mod H`` (an ``fftshift`` folded into the matrix). Resampling a batch is then one
    sparse × dense product.
    """
    h, w = shape
    rows, cols = rows.reshape(-1).double(), cols.reshape(-1).double()
    gains = torch.ones_like(rows) if weights is None else weights.reshape(-1).double()
    r0, c0 = torch.floor(rows), torch.floor(cols)
    fr, fc = rows - r0, cols - c0
    point = torch.arange(rows.numel())
    idx_p, idx_q, vals = [], [], []
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = (r0 + dr).long(), (c0 + dc).long()
            keep = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w) & (wr * wc != 0)
            idx_p.append(point[keep])
            idx_q.append(torch.remainder(rr[keep] - row_offset, h) * w + cc[keep])
            vals.append((wr * wc * gains)[keep])
    index = torch.stack([torch.cat(idx_p), torch.cat(idx_q)])
    size = (rows.numel(), h * w)
    return torch.sparse_coo_tensor(index, torch.cat(vals), size, check_invariants=True).coalesce()


def apply_matrix(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``(..., H, W)`` → ``(..., P)``: the sparse resampling ``matrix`` applied to every image."""
    lead = x.shape[:-2]
    flat = x.reshape(-1, x.shape[-2] * x.shape[-1])
    out = torch.sparse.mm(matrix.to(dtype=x.dtype, device=x.device), flat.t()).t()
    return out.reshape(*lead, matrix.shape[0])


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
    floor: float = 0.1,
) -> torch.Tensor:
    """Fourier–Mellin invariant of square images: ``|F_{log r, θ} log(1 + L / (f · mean L))|``.

    1. ``|F x|`` after a radial Hann window: invariant to translations (exactly to circular
       ones without the window);
    2. high-pass ``H`` and log-polar resampling ``L`` about DC over half a turn (``|F x|``
       is point-symmetric): a rotation becomes a cyclic shift in ``θ``, a zoom by ``a`` a
       shift by ``−log a`` in ``log r`` and a factor ``a²`` in amplitude;
    3. division by the mean (removes the factor ``a²``), log compression with a floor ``f``
       (relative to the mean), then ``|FFT|`` over ``(log r, θ)``: removes both shifts.

    Invariant to translation, rotation and scale up to boundary effects: content leaving the
    image or the radius range, and interpolation. ``r_max`` defaults to ``H/4`` (half the
    Nyquist radius) because interpolating rotations and zooms damp the highest frequencies.
    The resampling is one weighted gather (``embedding_bag``) over the batch (no per-image
    loop).

    Args:
        x: ``(..., H, W)`` square images.
        n_radii, n_angles: log-polar grid size.
        r_min, r_max: radius range in frequency bins (default ``r_max = H/4``).
        window: apply the radial Hann window before the first FFT.
        highpass: apply the Reddy–Chatterji high-pass to ``|F x|``.
        floor: ``f`` in the log compression, relative to the mean of ``L``.

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles // 2 + 1)``.

    Examples:
        >>> fourier_mellin(torch.randn(2, 1, 32, 32), 16, 16).shape
        torch.Size([2, 1, 16, 9])
    """
    x = check_tensor(x, "x", min_dim=2)
    check_square_image(x, "x", "fourier_mellin")
    check_positive(floor, "floor")
    shape = tuple(x.shape[-2:])
    matrix = fourier_mellin_matrix(shape, n_radii, n_angles, r_min, r_max, highpass)
    hann = radial_hann(shape, x.dtype) if window else None
    taps, offsets, weights, n_cols = fourier_mellin_taps(matrix, shape)
    return fourier_mellin_from_taps(
        x, hann, taps, offsets, weights, n_cols, n_radii, n_angles, floor
    )


def fourier_mellin_from_parts(
    x: torch.Tensor,
    window: torch.Tensor | None,
    matrix: torch.Tensor,
    n_radii: int,
    n_angles: int,
    floor: float = 0.1,
) -> torch.Tensor:
    """The Fourier–Mellin pipeline with a precomputed window and resampling matrix.

    The reference form of :func:`fourier_mellin_from_taps` (same values up to float
    round-off; that one is the fast path the module and :func:`fourier_mellin` use).
    """
    lp = apply_matrix(matrix, half_spectrum(x, window))
    lp = lp.reshape(*lp.shape[:-1], n_radii, n_angles)
    mean = lp.mean(dim=(-2, -1), keepdim=True).clamp_min(torch.finfo(x.dtype).tiny)
    return magnitude(torch.fft.rfft2(torch.log1p(lp / (floor * mean)), norm="ortho"))


def fourier_mellin_taps(
    matrix: torch.Tensor, shape: tuple[int, int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """A :func:`fourier_mellin_matrix` as ``embedding_bag`` taps for the fast path.

    Only the columns ``k_col < C`` of the half spectrum are read (``C`` = one past the last
    column any tap touches, ``≈ r_max + 2``), so the spectrum is cut to ``(H, C)`` before
    taking magnitudes. Row ``p`` of the matrix becomes bag ``p``: its taps index the cut
    spectrum ``k_row · C + k_col`` with the matrix entries as weights. One more bag holds the
    mean of all rows (the column means of the matrix), so the normalising mean of the
    log-polar map comes out of the same gather.

    Returns:
        ``(taps, offsets, weights, C)``: ``taps`` and ``offsets`` (int64) and ``weights``
        (float64) as :func:`torch.nn.functional.embedding_bag` takes them, ``P + 1`` bags.
    """
    h, w = shape
    half = w // 2 + 1
    matrix = matrix.coalesce()
    rows, cols = matrix.indices()
    values = matrix.values().double()
    n_points = matrix.shape[0]
    k_row, k_col = cols // half, cols % half
    n_cols = int(k_col.max()) + 1 if cols.numel() else 1
    cut = k_row * n_cols + k_col
    # Mean bag: the column sums of the matrix divided by the number of points.
    mean = torch.zeros(h * n_cols, dtype=torch.float64).index_add_(0, cut, values) / n_points
    used = torch.nonzero(mean != 0).reshape(-1)
    order = torch.argsort(rows, stable=True)  # coalesced: already row-major, kept explicit
    taps = torch.cat([cut[order], used])
    weights = torch.cat([values[order], mean[used]])
    counts = torch.bincount(rows, minlength=n_points)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(counts, 0)])
    return taps, offsets, weights, n_cols


def fourier_mellin_from_taps(
    x: torch.Tensor,
    window: torch.Tensor | None,
    taps: torch.Tensor,
    offsets: torch.Tensor,
    weights: torch.Tensor,
    n_cols: int,
    n_radii: int,
    n_angles: int,
    floor: float = 0.1,
) -> torch.Tensor:
    """The Fourier–Mellin pipeline with precomputed :func:`fourier_mellin_taps` (fast path).

    Same values as :func:`fourier_mellin_from_parts` up to float round-off, with fewer and
    cheaper passes over the batch: the magnitude is taken only on the ``(H, C)`` corner of
    the half spectrum the taps read, written batch-last so that the log-polar resampling
    and its mean are one ``embedding_bag`` (no sparse product, no transposes), and the
    second FFT runs batch-last too. The window multiply, two FFTs, two magnitudes, the
    gather and the in-place normalisation are the only passes over the data.

    Shape:
        ``(..., H, W)`` → ``(..., n_radii, n_angles // 2 + 1)``.
    """
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    if window is not None:
        x = x * window.to(dtype=x.dtype, device=x.device)
    spectrum = torch.fft.rfft2(x.reshape(-1, h, w))[..., :n_cols]
    n = spectrum.shape[0]
    table = _magnitude_to(spectrum.permute(1, 2, 0), (h * n_cols, n))  # (H·C, N)
    lpm = F.embedding_bag(
        taps.to(x.device),
        table,
        offsets.to(x.device),
        mode="sum",
        per_sample_weights=weights.to(dtype=table.dtype, device=x.device),
    )  # (P + 1, N): the log-polar map, batch last, then its mean
    points = n_radii * n_angles
    scale = floor * lpm[points].clamp_min(torch.finfo(lpm.dtype).tiny)
    if lpm.requires_grad:
        lp = torch.log1p(lpm[:points] / scale)
    else:
        lp = lpm[:points].div_(scale).log1p_()
    z = torch.fft.rfft2(lp.view(n_radii, n_angles, n), dim=(0, 1), norm="ortho")
    out = _magnitude_to(z.permute(2, 0, 1), (n, n_radii, n_angles // 2 + 1))
    return out.reshape(*lead, n_radii, n_angles // 2 + 1)


def _magnitude_to(z: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """:func:`magnitude` of a (permuted) complex view, written contiguous as ``shape``.

    ``sqrt(re² + im²)`` in three vectorised passes into one buffer (``hypot`` is one pass
    but scalar on CPU, about 1.5× slower here).
    """
    if z.requires_grad:
        return z.abs().reshape(shape)
    out = torch.empty(z.shape, dtype=z.real.dtype, device=z.device)
    torch.mul(z.real, z.real, out=out)
    return out.addcmul_(z.imag, z.imag).sqrt_().view(shape)


def check_square_image(x: torch.Tensor, name: str, what: str) -> None:
    """Raise a ValueError naming ``name`` when ``x``'s last two dimensions differ."""
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{name} must be square (H == W) for {what}, got H={x.shape[-2]}, "
            f"W={x.shape[-1]}; crop or pad it first"
        )
