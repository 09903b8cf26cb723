"""Bilinear resampling of batches at arbitrary pixel coordinates (shared by transforms and
invariants).

Coordinates are in pixels (row ``0 … H−1``, column ``0 … W−1``), not in ``grid_sample``'s
normalised units, so integer coordinates reproduce the input exactly (a zero displacement is
the identity bit for bit) and the sampler is differentiable in both the image and the
coordinates.
"""

from __future__ import annotations

import torch

from invlab._validation import check_int, check_positive

# An angle within this many degrees of a multiple of 90° takes the exact (index) path.
_EXACT_TOL = 1e-6


def pixel_grid(
    h: int, w: int, *, dtype: torch.dtype, device: torch.device | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Row and column coordinates relative to the image centre ``((H−1)/2, (W−1)/2)``.

    Returns two ``(H, W)`` tensors ``(r, c)``.
    """
    r = torch.arange(h, dtype=dtype, device=device) - (h - 1) / 2
    c = torch.arange(w, dtype=dtype, device=device) - (w - 1) / 2
    return torch.meshgrid(r, c, indexing="ij")


def bilinear_sample(
    x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, padding: str = "zeros"
) -> torch.Tensor:
    """Sample ``x`` at ``(rows, cols)`` by bilinear interpolation.

    Args:
        x: ``(B, ..., H, W)`` images.
        rows, cols: absolute pixel coordinates, ``(B, Ho, Wo)`` (one map per sample) or
            ``(Ho, Wo)`` (shared by the batch).
        padding: ``'zeros'`` (samples outside the image are 0) or ``'border'`` (clamped).

    Shape:
        ``(B, ..., H, W)`` → ``(B, ..., Ho, Wo)``.
    """
    b, h, w = x.shape[0], x.shape[-2], x.shape[-1]
    lead = x.shape[1:-2]
    flat = x.reshape(b, -1, h * w)  # (B, C, H*W)
    if rows.dim() == 2:
        rows = rows.unsqueeze(0).expand(b, -1, -1)
        cols = cols.unsqueeze(0).expand(b, -1, -1)
    ho, wo = rows.shape[-2:]
    rows = rows.to(x.dtype).reshape(b, -1)
    cols = cols.to(x.dtype).reshape(b, -1)
    if padding == "border":
        rows = rows.clamp(0, h - 1)
        cols = cols.clamp(0, w - 1)
    r0 = torch.floor(rows)
    c0 = torch.floor(cols)
    fr = rows - r0
    fc = cols - c0
    r0 = r0.long()
    c0 = c0.long()
    out = torch.zeros(b, flat.shape[1], rows.shape[1], dtype=x.dtype, device=x.device)
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr = r0 + dr
            cc = c0 + dc
            weight = wr * wc
            inside = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            weight = weight * inside.to(x.dtype)
            index = (rr.clamp(0, h - 1) * w + cc.clamp(0, w - 1)).unsqueeze(1)
            values = torch.gather(flat, 2, index.expand(-1, flat.shape[1], -1))
            out = out + values * weight.unsqueeze(1)
    return out.reshape(b, *lead, ho, wo)


def sample_images(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """:func:`bilinear_sample` for any number of leading dimensions (including none).

    Shape:
        ``(..., H, W)`` with ``(Ho, Wo)`` coordinates → ``(..., Ho, Wo)``.
    """
    lead = x.shape[:-2]
    flat = x.reshape(1, -1, *x.shape[-2:])
    out = bilinear_sample(flat, rows.to(x.device), cols.to(x.device))
    return out.reshape(*lead, *out.shape[-2:])


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
    sparse × dense product (:func:`apply_matrix`).
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


def log_positions(n_log: int, r_min: float, r_max: float) -> torch.Tensor:
    """``r_j = r_min (r_max / r_min)^{j/(n_log−1)}``, ``j = 0 … n_log−1`` (float64)."""
    check_int(n_log, "n_log", minimum=2)
    r_min = check_positive(r_min, "r_min")
    r_max = check_positive(r_max, "r_max")
    if r_max <= r_min:
        raise ValueError(f"r_max must be > r_min, got r_min={r_min}, r_max={r_max}")
    return r_min * (r_max / r_min) ** (torch.arange(n_log, dtype=torch.float64) / (n_log - 1))


def linear_sample_1d(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Sample signals ``(..., N)`` at fractional ``positions`` ``(M,)`` (0 outside).

    Shape:
        ``(..., N)`` → ``(..., M)``.
    """
    n = x.shape[-1]
    positions = positions.to(dtype=x.dtype, device=x.device)
    i0 = torch.floor(positions)
    frac = positions - i0
    i0 = i0.long()
    out = torch.zeros(*x.shape[:-1], positions.shape[0], dtype=x.dtype, device=x.device)
    for di, weight in ((0, 1 - frac), (1, frac)):
        idx = i0 + di
        inside = ((idx >= 0) & (idx < n)).to(x.dtype)
        out = out + x[..., idx.clamp(0, n - 1)] * (weight * inside)
    return out


def affine_warp(x: torch.Tensor, matrix: torch.Tensor, padding: str = "zeros") -> torch.Tensor:
    """Warp ``x`` with per-sample 2×2 matrices acting about the image centre.

    ``out(p) = x(c + A (p − c))`` where ``p = (row, col)``, ``c`` is the centre and ``A``
    is ``matrix[b]`` (the *inverse* map, output → input coordinates).

    Args:
        x: ``(B, ..., H, W)``.
        matrix: ``(B, 2, 2)``.
    """
    h, w = x.shape[-2:]
    r, c = pixel_grid(h, w, dtype=x.dtype, device=x.device)
    matrix = matrix.to(dtype=x.dtype, device=x.device)
    src_r = matrix[:, 0, 0, None, None] * r + matrix[:, 0, 1, None, None] * c + (h - 1) / 2
    src_c = matrix[:, 1, 0, None, None] * r + matrix[:, 1, 1, None, None] * c + (w - 1) / 2
    return bilinear_sample(x, src_r, src_c, padding)


def rotate(x: torch.Tensor, angle: torch.Tensor, padding: str = "zeros") -> torch.Tensor:
    """Rotate each image ``x[b]`` by ``angle[b]`` degrees about its centre: the one rotation
    convention of invlab (``transforms.Rotate``, ``Rotate90`` and ``nn.FiniteGroup`` use it).

    ``(g_θ x)(p) = x(c + R_{−θ} (p − c))`` with ``c = ((H−1)/2, (W−1)/2)``; a positive
    ``θ`` turns the content counter-clockwise as displayed (row 0 at the top), so ``+90°`` is
    ``torch.rot90(x, 1, (-2, -1))``. Multiples of 90° (only 180° for non-square images) take
    an exact index path; other angles are bilinear (:func:`affine_warp`).

    Args:
        x: ``(B, ..., H, W)``.
        angle: ``(B,)`` degrees.
        padding: ``'zeros'`` or ``'border'`` for pixels that come from outside the image.
    """
    angle = angle.to(torch.float64)
    quarter = torch.round(angle / 90.0)
    exact = (angle - 90.0 * quarter).abs() < _EXACT_TOL
    k = torch.remainder(quarter, 4).long()
    if x.shape[-1] != x.shape[-2]:
        exact = exact & (k % 2 == 0)  # 90° changes the shape of a non-square image
    out = None
    if not bool(exact.all()):
        theta = torch.deg2rad(angle)
        cos, sin = torch.cos(theta), torch.sin(theta)
        # Output → input map in (row, col) coordinates: r' = cos r + sin c, c' = −sin r + cos c.
        matrix = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)
        out = affine_warp(x, matrix.to(x.dtype), padding)
    if bool(exact.any()):
        exact_out = rot90_per_sample(x, k)
        out = exact_out if out is None else torch.where(batch_view(exact, x), exact_out, out)
    return out


def rot90_per_sample(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """``torch.rot90`` with its own number ``k[b]`` of quarter turns per sample (index moves
    only)."""
    out = x
    for turns in range(1, 4):
        chosen = k == turns
        if bool(chosen.any()):
            out = torch.where(batch_view(chosen, x), torch.rot90(x, turns, (-2, -1)), out)
    return out


def batch_view(mask: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A ``(B,)`` mask viewed so it broadcasts against ``x``."""
    return mask.to(x.device).view(-1, *([1] * (x.dim() - 1)))
