"""Small random diffeomorphisms: smooth displacement fields of a given amplitude."""

from __future__ import annotations

import math

import torch

from invlab._resample import bilinear_sample
from invlab._validation import check_choice, check_int, check_positive
from invlab.transforms.base import Transform


class Deform(Transform):
    """Warp images by a smooth random displacement field ``τ``: ``(g_τ x)(p) = x(p − τ(p))``.

    The field is a sum of the first ``K × K`` sine modes that vanish on the border,

    ``τ_d(i, j) = Σ_{k,l=1..K} c_{d,k,l} sin(π k (i+1)/(H+1)) sin(π l (j+1)/(W+1))``,

    for each coordinate ``d ∈ {row, col}``. :meth:`sample` draws
    ``c_{d,k,l} ∝ z / (k² + l²)`` with ``z ~ N(0, 1)``, normalised so that the root-mean-square
    displacement per coordinate is ``amplitude`` pixels on average: the small deformations
    ``x(p − τ(p))`` with ``‖∇τ‖ ≪ 1`` of Mallat's stability result. ``amplitude=0`` is the
    identity, exactly.

    Args:
        amplitude: RMS displacement in pixels (``>= 0``).
        modes: ``K``, the number of sine modes per axis (smoothness: fewer is smoother).
        padding: ``'zeros'`` or ``'border'`` for samples that fall outside the image.
        seed: seed of the fixed field that :meth:`grid` scales from 0 to ``amplitude``.

    Parameters: ``(B, 2 K²)``, the coefficients ``c`` in pixels (rows first). No exact
    inverse exists in this parameterisation (``−τ`` undoes ``τ`` only to first order).

    Examples:
        >>> x = torch.randn(4, 1, 16, 16)
        >>> torch.equal(Deform(amplitude=0.0)(x), x)
        True
    """

    spatial_dims = 2
    # the grid is one field scaled by t = 0 … 1: its position is t times the RMS amplitude
    axis_label = "deformation amplitude (RMS pixels)"

    def __init__(
        self, amplitude: float = 1.0, modes: int = 3, padding: str = "border", seed: int = 0
    ) -> None:
        self.amplitude = check_positive(amplitude, "amplitude", strict=False)
        self.modes = check_int(modes, "modes", minimum=1)
        self.padding = check_choice(padding, "padding", ("zeros", "border"))
        self.seed = check_int(seed, "seed")
        self.param_dim = 2 * modes * modes
        k = torch.arange(1, modes + 1, dtype=torch.float64)
        decay = 1.0 / (k[:, None] ** 2 + k[None, :] ** 2)
        # Each sine product has mean square 1/4 over the image, hence the factor 2.
        self._weights = (2.0 * decay / decay.square().sum().sqrt()).flatten().float()

    def __repr__(self) -> str:
        return (
            f"Deform(amplitude={self.amplitude}, modes={self.modes}, "
            f"padding={self.padding!r}, seed={self.seed})"
        )

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int(n, "n", minimum=0)
        z = torch.randn(n, 2, self.modes * self.modes, generator=generator)
        return (self.amplitude * z * self._weights).reshape(n, self.param_dim)

    def grid(self, steps: int) -> torch.Tensor:
        """One fixed field (drawn with ``seed``) scaled by ``0 … 1``: a deformation path."""
        self._check_steps(steps)
        field = self.sample(1, generator=torch.Generator().manual_seed(self.seed))
        t = torch.linspace(0.0, 1.0, steps) if steps > 1 else torch.ones(1)
        return t.unsqueeze(1) * field

    def displacement(self, params: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """The field ``τ`` in pixels: ``(B, 2 K²)`` → ``(B, 2, H, W)`` (row, col)."""
        params = torch.as_tensor(params)
        dtype = params.dtype if params.is_floating_point() else torch.float32
        k = torch.arange(1, self.modes + 1, dtype=dtype, device=params.device)
        i = torch.arange(1, h + 1, dtype=dtype, device=params.device)
        j = torch.arange(1, w + 1, dtype=dtype, device=params.device)
        sin_i = torch.sin(math.pi * k[:, None] * i[None, :] / (h + 1))  # (K, H)
        sin_j = torch.sin(math.pi * k[:, None] * j[None, :] / (w + 1))  # (K, W)
        c = params.reshape(-1, 2, self.modes, self.modes)
        return torch.einsum("bdkl,kh,lw->bdhw", c, sin_i, sin_j)

    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        tau = self.displacement(params.to(dtype=x.dtype, device=x.device), h, w)
        rows = torch.arange(h, dtype=x.dtype, device=x.device)[:, None].expand(h, w)
        cols = torch.arange(w, dtype=x.dtype, device=x.device)[None, :].expand(h, w)
        return bilinear_sample(x, rows - tau[:, 0], cols - tau[:, 1], self.padding)
