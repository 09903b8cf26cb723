"""How an activation transforms a Gaussian pre-activation kernel (the infinite-width layer maps).

For a pre-activation pair ``(u, v)`` jointly Gaussian with variances ``v₁, v₂`` and covariance
``k``, a layer ``φ`` maps the NNGP and NTK as

    k' = E[φ(u) φ(v)],        Θ' = Θ · E[φ'(u) φ'(v)].

ReLU (the arc-cosine kernel of degree 1, Cho & Saul 2009), with ``θ = atan2(√(v₁v₂ − k²), k)``:

    k' = (√(v₁v₂ − k²) + (π − θ) k) / (2π),          E[φ'φ'] = (π − θ) / (2π),
    E[φ(u)²] = v₁ / 2.

Erf (Williams 1997), ``φ = erf``:

    k' = (2/π) arcsin(2k / √((1 + 2v₁)(1 + 2v₂))),
    E[φ'φ'] = (4/π) / √((1 + 2v₁)(1 + 2v₂) − 4k²).

Linear: ``k' = k``, ``E[φ'φ'] = 1``.

Every map takes the pre-activation covariance ``k`` and the two variances (any shapes that
broadcast against ``k``) and returns ``(scale · k', E[φ'φ'])``, the second ``None`` unless asked
for (``scale`` lets a caller fold the next layer's constant factor into the map).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from invlab._validation import check_choice

ACTIVATIONS = ("relu", "erf", "linear")

_TWO_PI = 2.0 * math.pi
# v₁v₂ is scaled by this before √(v₁v₂ − k²): pairs within a few rounding errors of parallel
# (k(x, x) itself) get θ = 0 exactly instead of θ ≈ 1e-8 from rounding noise, which would put
# a 1e-9 relative error, dependent on the blocking, into the NTK's diagonal.
_PARALLEL = 1.0 - 8 * torch.finfo(torch.float64).eps


def relu_map(
    k: torch.Tensor,
    v1: torch.Tensor,
    v2: torch.Tensor,
    *,
    derivative: bool = False,
    scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The ReLU arc-cosine map ``k ↦ scale · E[relu(u) relu(v)]`` (and ``E[1_{u>0} 1_{v>0}]``).

    ``k`` is not modified. The angle comes from ``atan2`` rather than ``acos`` so that it stays
    accurate where ``k`` is close to ``√(v₁v₂)`` (nearly parallel features, the common case in
    deep layers); pairs within rounding error of parallel get ``θ = 0``. ``scale`` folds a
    following constant factor into the last multiplication.

    Examples:
        >>> v = torch.tensor(2.0)
        >>> relu_map(v, v, v)[0]  # E[relu(u)²] = v / 2
        tensor(1.)
    """
    root = (v1 * (v2 * _PARALLEL)).addcmul_(k, k, value=-1.0).clamp_min_(0.0).sqrt_()
    rest = torch.atan2(root, k).neg_().add_(math.pi)  # π − θ
    out = root.addcmul_(rest, k).mul_(scale / _TWO_PI)
    return out, (rest.mul_(1.0 / _TWO_PI) if derivative else None)


def relu_variance(v: torch.Tensor) -> torch.Tensor:
    """``E[relu(u)²] = v / 2`` for ``u ~ N(0, v)``."""
    return v / 2


def erf_map(
    k: torch.Tensor,
    v1: torch.Tensor,
    v2: torch.Tensor,
    *,
    derivative: bool = False,
    scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The erf map ``k ↦ E[erf(u) erf(v)]`` (and ``E[erf'(u) erf'(v)]``).

    Examples:
        >>> float(erf_map(torch.tensor(0.0), torch.tensor(1.0), torch.tensor(1.0))[0])
        0.0
    """
    denom = (1 + 2 * v1) * (1 + 2 * v2)
    out = torch.asin((2 * k / denom.sqrt()).clamp_(-1.0, 1.0)).mul_(scale * 2 / math.pi)
    if not derivative:
        return out, None
    deriv = (denom - 4 * k * k).clamp_min_(0.0).rsqrt_().mul_(4 / math.pi)
    return out, deriv


def erf_variance(v: torch.Tensor) -> torch.Tensor:
    """``E[erf(u)²] = (2/π) arcsin(2v / (1 + 2v))`` for ``u ~ N(0, v)``."""
    return torch.asin(2 * v / (1 + 2 * v)) * (2 / math.pi)


def linear_map(
    k: torch.Tensor,
    v1: torch.Tensor,
    v2: torch.Tensor,
    *,
    derivative: bool = False,
    scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The identity: ``k' = k``, ``E[φ'φ'] = 1``."""
    return k * scale, (torch.ones_like(k) if derivative else None)


def linear_variance(v: torch.Tensor) -> torch.Tensor:
    """``E[u²] = v``."""
    return v.clone()


LayerMap = Callable[..., tuple[torch.Tensor, torch.Tensor | None]]

_MAPS: dict[str, tuple[LayerMap, Callable[[torch.Tensor], torch.Tensor]]] = {
    "relu": (relu_map, relu_variance),
    "erf": (erf_map, erf_variance),
    "linear": (linear_map, linear_variance),
}


def activation_maps(name: str) -> tuple[LayerMap, Callable[[torch.Tensor], torch.Tensor]]:
    """The ``(pair map, variance map)`` of activation ``name`` (one of :data:`ACTIVATIONS`)."""
    check_choice(name, "activation", ACTIVATIONS)
    return _MAPS[name]
