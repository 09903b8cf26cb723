"""Bilinear resampling of batches at arbitrary pixel coordinates (shared by transforms and
invariants).

Coordinates are in pixels (row ``0 … H−1``, column ``0 … W−1``), not in ``grid_sample``'s
normalised units, so integer coordinates reproduce the input exactly (a zero displacement is
the identity bit for bit) and the sampler is differentiable in both the image and the
coordinates.
"""

from __future__ import annotations

import torch


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
