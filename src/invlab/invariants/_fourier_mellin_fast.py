"""The fast path of :class:`~invlab.invariants.FourierMellin` (private).

The readable formula is :func:`invlab.invariants.functional.fourier_mellin`; this module
computes the same values with fewer passes over the batch: the log-polar resampling of the
spectrum and its mean are one ``embedding_bag`` gather, batch last.
``tests/invariants/test_mellin.py`` checks it against the readable form (values and gradients).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def fourier_mellin_taps(
    matrix: torch.Tensor, shape: tuple[int, int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """A ``fourier_mellin_matrix`` as ``embedding_bag`` taps for the fast path.

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


def fourier_mellin_fast(
    x: torch.Tensor,
    window: torch.Tensor | None,
    taps: torch.Tensor,
    offsets: torch.Tensor,
    weights: torch.Tensor,
    *,
    n_cols: int,
    n_radii: int,
    n_angles: int,
    floor: float | None,
    whiten: bool = False,
) -> torch.Tensor:
    """The Fourier–Mellin pipeline with precomputed :func:`fourier_mellin_taps` (fast path).

    Same values as the readable :func:`invlab.invariants.functional.fourier_mellin` up to
    float round-off (``tests/invariants/test_mellin.py`` checks values and gradients), with
    fewer and
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
    lp = lpm[:points].view(n_radii, n_angles, n)
    # Whitening makes every ring's mean 1, so the global mean (the extra bag) is then 1 too.
    scale = lp.mean(1, keepdim=True) if whiten else lpm[points]
    scale = scale.clamp_min(torch.finfo(lpm.dtype).tiny)
    if floor is not None:
        scale = scale * floor
    if lpm.requires_grad:
        lp = lp / scale if floor is None else torch.log1p(lp / scale)
    else:
        lp = lp.div_(scale) if floor is None else lp.div_(scale).log1p_()
    z = torch.fft.rfft2(lp, dim=(0, 1), norm="ortho")
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
