"""Learned invariance (Augerino; Benton, Finzi, Izmailov & Wilson, NeurIPS 2020).

The model averages its output over random affine transformations whose ranges are learned:

    f_θ(x) = E_{ε∼U[−1,1]^k} f(T(ε ⊙ θ) x),    T(c) = exp(Σ_i c_i G_i),

with ``G_i`` the generators of the affine group (translations, rotation, scale, stretch,
shear) as 3×3 matrices acting on normalised coordinates, and ``θ`` the learned widths.
Training minimises ``loss + λ·R(θ)`` with ``R(θ) = −‖θ‖₂``: the regulariser favours wide
invariance and the data loss pulls a width back only where transforming changes the label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from invlab._validation import check_choice, check_int, check_positive, check_tensor

# Generators of the affine group on (x, y, 1) homogeneous normalised coordinates.
GENERATORS_2D: dict[str, list[list[float]]] = {
    "translate_x": [[0, 0, 1], [0, 0, 0], [0, 0, 0]],
    "translate_y": [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
    "rotate": [[0, -1, 0], [1, 0, 0], [0, 0, 0]],
    "scale": [[1, 0, 0], [0, 1, 0], [0, 0, 0]],
    "stretch": [[1, 0, 0], [0, -1, 0], [0, 0, 0]],
    "shear": [[0, 1, 0], [1, 0, 0], [0, 0, 0]],
}
# Signals are treated as images of height 1: only the x coordinate moves.
GENERATORS_1D: dict[str, list[list[float]]] = {
    "translate": [[0, 0, 1], [0, 0, 0], [0, 0, 0]],
    "scale": [[1, 0, 0], [0, 0, 0], [0, 0, 0]],
}


class LearnedAugment(nn.Module):
    """Average ``model`` over random affine transformations with learnable ranges.

    Each forward pass draws ``ε ∼ U[−1, 1]`` per sample, copy and generator, transforms the
    input by ``exp(Σ ε_i w_i G_i)`` (``F.affine_grid`` + ``F.grid_sample``, differentiable
    in ``w``) and averages the model's outputs over the copies. ``w = softplus(ρ)`` keeps
    the widths positive; a rotation width of ``π`` covers every angle.

    Args:
        model: the network to wrap.
        generators: names from ``GENERATORS_2D`` (``'translate_x'``, ``'translate_y'``,
            ``'rotate'``, ``'scale'``, ``'stretch'``, ``'shear'``) or, for ``dims=1``,
            ``GENERATORS_1D`` (``'translate'``, ``'scale'``). Default: all of them.
        dims: 1 for signals ``(B, C, N)``, 2 for images ``(B, C, H, W)``.
        init_width: initial width of every generator (> 0).
        train_samples: copies averaged per forward pass in training mode.
        eval_samples: copies averaged in evaluation mode.
        padding_mode: ``grid_sample`` padding: ``'zeros'``, ``'border'`` or ``'reflection'``.
        reg: ``λ`` (``>= 0``): :meth:`regularization_loss` is ``λ·regularizer()``, which
            :func:`invlab.train.train` adds to the loss of every minibatch.

    Shape:
        input as ``model`` takes it; output as ``model`` returns it.

    Examples:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
        >>> aug = LearnedAugment(net, generators=("rotate",), init_width=0.5)
        >>> aug(torch.randn(4, 1, 8, 8)).shape
        torch.Size([4, 3])
        >>> loss = aug(torch.randn(4, 1, 8, 8)).pow(2).mean() + 0.01 * aug.regularizer()
    """

    def __init__(
        self,
        model: nn.Module,
        generators: Sequence[str] | None = None,
        dims: int = 2,
        init_width: float = 0.1,
        train_samples: int = 1,
        eval_samples: int = 8,
        padding_mode: str = "zeros",
        reg: float = 0.0,
    ) -> None:
        super().__init__()
        if not callable(model):
            raise TypeError(f"model must be an nn.Module or callable, got {type(model).__name__}")
        self.model = model
        self.dims = check_choice(dims, "dims", (1, 2))
        table = GENERATORS_2D if dims == 2 else GENERATORS_1D
        if generators is None:
            generators = tuple(table)
        if isinstance(generators, str):
            generators = (generators,)
        generators = tuple(generators)
        if not generators:
            raise ValueError("generators must name at least one generator")
        for name in generators:
            check_choice(name, "generators", tuple(table))
        self.generators = generators
        init_width = check_positive(init_width, "init_width")
        self.train_samples = check_int(train_samples, "train_samples", minimum=1)
        self.eval_samples = check_int(eval_samples, "eval_samples", minimum=1)
        self.padding_mode = check_choice(
            padding_mode, "padding_mode", ("zeros", "border", "reflection")
        )
        self.reg = check_positive(reg, "reg", strict=False)
        rho = init_width + math.log(-math.expm1(-init_width))  # inverse softplus
        self.rho = nn.Parameter(torch.full((len(generators),), rho))
        self.register_buffer("basis", torch.tensor([table[g] for g in generators]))

    @property
    def width(self) -> torch.Tensor:
        """The learned widths ``w = softplus(ρ)``, one per generator."""
        return F.softplus(self.rho)

    def widths(self) -> dict[str, float]:
        """The learned widths by generator name (rotation in radians)."""
        return {g: float(w) for g, w in zip(self.generators, self.width.detach().cpu())}

    def regularizer(self) -> torch.Tensor:
        """``−‖w‖₂``: add ``λ·regularizer()`` to the loss to favour wide invariance."""
        return -self.width.norm()

    def regularization_loss(self) -> torch.Tensor:
        """``λ·regularizer()``: the term :func:`invlab.train.train` adds to the loss."""
        return self.reg * self.regularizer()

    def extra_repr(self) -> str:
        widths = ", ".join(f"{g}={w:.3g}" for g, w in self.widths().items())
        return (
            f"widths=({widths}), dims={self.dims}, train_samples={self.train_samples}, "
            f"eval_samples={self.eval_samples}, padding_mode={self.padding_mode!r}, reg={self.reg}"
        )

    def matrices(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` random affine matrices ``exp(Σ ε_i w_i G_i)``: shape ``(n, 3, 3)``."""
        eps = torch.rand(n, len(self.generators), generator=generator) * 2 - 1
        coeffs = eps.to(self.rho.device, self.rho.dtype) * self.width
        algebra = torch.einsum("ng,gij->nij", coeffs, self.basis.to(coeffs.dtype))
        return torch.linalg.matrix_exp(algebra)

    def augment(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One random transformation per sample of ``x``."""
        check_tensor(x, "x", min_dim=self.dims + 2)
        if x.dim() != self.dims + 2:
            raise ValueError(
                f"x must have shape (B, C, {'N' if self.dims == 1 else 'H, W'}) for "
                f"dims={self.dims}, got {tuple(x.shape)}"
            )
        image = x.unsqueeze(2) if self.dims == 1 else x
        theta = self.matrices(x.shape[0], generator)[:, :2, :].to(x.dtype)
        grid = F.affine_grid(theta, list(image.shape), align_corners=False)
        out = F.grid_sample(
            image, grid, mode="bilinear", padding_mode=self.padding_mode, align_corners=False
        )
        return out.squeeze(2) if self.dims == 1 else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.train_samples if self.training else self.eval_samples
        copies = torch.cat([self.augment(x) for _ in range(n)], dim=0)
        out = self.model(copies).unflatten(0, (n, x.shape[0]))
        return out.mean(dim=0)
