"""The bispectrum: a complete translation invariant."""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_choice, check_int, check_tensor


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


class Bispectrum(nn.Module):
    """``B(k1, k2) = F(k1) F(k2) conj(F(k1 + k2))`` at a fixed set of frequency pairs.

    Invariance: exact under circular shifts (1D) or circular translations (2D). Unlike
    ``|F x|`` it is complete: for generic ``x`` it determines ``x`` up to a shift
    (:func:`invert_bispectrum` recovers it from the 1D reduced set).

    Args:
        shape: ``N`` or ``(N,)`` (signals ``(..., N)``) or ``(H, W)`` (images ``(..., H, W)``).
            A bare int never means images: ``Bispectrum(N)`` refuses inputs ending ``(N, N)``.
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
        # (N,) says "signals" explicitly; a bare int means signals too, but then an input
        # shaped like N x N images is refused in forward instead of transformed row by row
        self.explicit_1d = not isinstance(shape, int)
        if isinstance(shape, int) and not isinstance(shape, bool):
            self.dims, self.shape = 1, (shape,)
        elif isinstance(shape, tuple | list) and len(shape) == 1:
            self.dims, self.shape = 1, (int(shape[0]),)
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
        n = self.shape[0]
        if self.dims == 1 and not self.explicit_1d and x.dim() >= 2 and x.shape[-2] == n:
            raise ValueError(
                f"Bispectrum({n}) is the 1D bispectrum of signals (..., {n}), but x of shape "
                f"{tuple(x.shape)} ends like {n}x{n} images, which it would transform row by "
                f"row (not translation invariant in 2D): for images use Bispectrum(({n}, {n})); "
                f"for {n}-channel signals say so with Bispectrum(({n},))"
            )
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
