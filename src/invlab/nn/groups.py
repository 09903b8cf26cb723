"""Finite groups of planar rotations and reflections acting on images and kernels.

The cyclic group ``Cn`` holds the rotations ``R^r`` by ``r·2π/n``; the dihedral group ``Dn``
adds the reflection ``F`` (a flip of the last axis) and has ``2n`` elements ``R^r F^m``.
Element ``(r, m)`` has index ``m·n + r`` and acts on an image by flipping first (if ``m = 1``),
then rotating. Composition follows from ``F R F = R⁻¹``::

    (r1, m1)·(r2, m2) = (r1 + (−1)^m1 · r2 mod n,  m1 + m2 mod 2)

Rotations follow invlab's one convention (``invlab._resample.rotate``, also behind
``transforms.Rotate`` and ``Rotate90``): ``R^r`` is ``Rotate`` by ``360·r/n`` degrees,
counter-clockwise as displayed, and ``+90°`` equals ``torch.rot90(x, 1, dims=(-2, -1))``.
Multiples of 90° are exact index moves, so ``C1, C2, C4, D1, D2, D4`` act exactly on square
images; ``C8``, ``C16`` (and ``D8``, ``D16``) rotate the remaining angles by bilinear
interpolation.
"""

from __future__ import annotations

import math
import re

import torch

from invlab._resample import rotate
from invlab._validation import check_square, check_tensor

SUPPORTED_ORDERS = (1, 2, 4, 8, 16)
GROUP_NAMES = tuple(f"{kind}{n}" for kind in "CD" for n in SUPPORTED_ORDERS)


class FiniteGroup:
    """The group ``Cn`` or ``Dn`` for ``n`` in 1, 2, 4, 8, 16.

    Args:
        name: ``'C4'``, ``'D4'``, ``'C8'``, ... (one of :data:`GROUP_NAMES`).

    Attributes:
        rotations: ``n``, the number of rotations.
        reflections: whether the group contains the flip.
        order: the number of elements, ``n`` or ``2n``.
        exact: whether every element acts exactly on square pixel grids (``n`` divides 4).

    Examples:
        >>> g = FiniteGroup("D4")
        >>> g.order, g.compose(1, 4), g.inverse(1)
        (8, 5, 3)
    """

    def __init__(self, name: str) -> None:
        if isinstance(name, FiniteGroup):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"group must be a str such as 'C4' or 'D4', got {type(name).__name__}")
        match = re.fullmatch(r"([CD])(\d+)", name.strip().upper())
        if match is None or int(match.group(2)) not in SUPPORTED_ORDERS:
            raise ValueError(f"group must be one of {', '.join(GROUP_NAMES)}; got {name!r}")
        self.name = f"{match.group(1)}{int(match.group(2))}"
        self.rotations = int(match.group(2))
        self.reflections = match.group(1) == "D"
        self.order = self.rotations * (2 if self.reflections else 1)
        self.exact = 4 % self.rotations == 0

    def __repr__(self) -> str:
        return f"FiniteGroup({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FiniteGroup) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    # -- algebra ----------------------------------------------------------------------------

    def element(self, index: int) -> tuple[int, int]:
        """``(r, m)``: rotation steps and reflection bit of the element ``index``."""
        if not 0 <= index < self.order:
            raise ValueError(f"index must be in [0, {self.order}), got {index}")
        return index % self.rotations, index // self.rotations

    def index(self, r: int, m: int) -> int:
        """The index of ``R^r F^m``."""
        return (m % 2) * self.rotations + r % self.rotations

    def compose(self, a: int, b: int) -> int:
        """Index of ``a·b`` (apply ``b`` first, then ``a``)."""
        r1, m1 = self.element(a)
        r2, m2 = self.element(b)
        return self.index(r1 + (-r2 if m1 else r2), m1 + m2)

    def inverse(self, a: int) -> int:
        """Index of ``a⁻¹``: ``R^-r`` for a rotation, the element itself for a reflection."""
        r, m = self.element(a)
        return a if m else self.index(-r, 0)

    def cayley_table(self) -> torch.Tensor:
        """``(G, G)`` long tensor with ``table[a, b] = a·b``."""
        g = self.order
        return torch.tensor([[self.compose(a, b) for b in range(g)] for a in range(g)])

    def regular_permutation(self, a: int) -> torch.Tensor:
        """Index vector ``π`` of the regular representation: ``(ρ(a) f)[h] = f[π[h]]``.

        ``π[h] = a⁻¹·h``, so ``f[..., π]`` moves a feature on the group by ``a``.
        """
        inv = self.inverse(a)
        return torch.tensor([self.compose(inv, h) for h in range(self.order)])

    def angle(self, a: int) -> float:
        """Rotation angle of element ``a`` in radians."""
        return 2 * math.pi * self.element(a)[0] / self.rotations

    # -- action on images -------------------------------------------------------------------

    def act(self, x: torch.Tensor, a: int) -> torch.Tensor:
        """Apply element ``a`` to the last two axes of ``x`` (flip first, then rotate).

        The rotation is ``transforms.Rotate`` by :meth:`angle` (in degrees): exact for
        multiples of 90° (index moves, any image shape: a quarter turn transposes a
        non-square image), bilinear about the image centre with zeros outside otherwise
        (square images only).
        """
        check_tensor(x, "x", min_dim=2)
        r, m = self.element(a)
        if m:
            x = torch.flip(x, dims=(-1,))
        degrees = 360.0 * r / self.rotations
        h, w = x.shape[-2:]
        if h != w:
            if degrees % 90:
                check_square(
                    x,
                    "x",
                    f"a rotation by {degrees:g}° (only multiples of 90° rotate non-square images)",
                )
            return torch.rot90(x, int(degrees // 90), dims=(-2, -1))
        flat = x.reshape(1, -1, h, w)
        out = rotate(flat, torch.tensor([degrees], dtype=torch.float64))
        return out.reshape(x.shape)

    def act_regular(self, x: torch.Tensor, a: int, group_dim: int = -3) -> torch.Tensor:
        """Apply ``a`` to a feature map on the group ``(..., G, H, W)``.

        The spatial axes move by :meth:`act` and the group axis by the regular
        representation: ``out[..., h, :, :] = act(x[..., a⁻¹·h, :, :], a)``.
        """
        check_tensor(x, "x", min_dim=3)
        if x.shape[group_dim] != self.order:
            raise ValueError(
                f"x must have {self.order} entries along the group axis {group_dim} for "
                f"{self.name}, got shape {tuple(x.shape)}"
            )
        perm = self.regular_permutation(a).to(x.device)
        return self.act(torch.index_select(x, group_dim, perm), a)

    def transformation_matrices(
        self, size: int, dtype: torch.dtype = torch.float64
    ) -> torch.Tensor:
        """``(G, size², size²)``: ``vec(act(k, a)) = M[a] @ vec(k)`` for ``size × size`` kernels.

        Permutation matrices for exact elements, bilinear interpolation weights otherwise.
        """
        basis = torch.eye(size * size, dtype=dtype).reshape(size * size, size, size)
        return torch.stack(
            [self.act(basis, a).reshape(size * size, size * size).T for a in range(self.order)]
        )
