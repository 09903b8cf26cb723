"""Scattering transform (fixed, translation invariant up to 2^J) and a learned classifier."""

from __future__ import annotations

import math

import torch
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.invariants.scattering import Scattering1D, Scattering2D
from invlab.models.registry import register_model
from invlab.models.staged import Staged, dense_head


class LogScattering(nn.Module):
    """``log(max(S, 0) + eps)``: compresses heavy-tailed scattering coefficients (Andén & Mallat).

    Args:
        eps: offset that keeps the logarithm finite at zero.

    Shape:
        Any shape; the output has the input's shape.
    """

    def __init__(self, eps: float = 1e-4) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        """``log(max(s, 0) + eps)``.

        Args:
            s: scattering coefficients, any shape.
        """
        return torch.log(s.clamp_min(0) + self.eps)

    def extra_repr(self) -> str:
        return f"eps={self.eps}"


def _scattering(in_shape, J, Q, L, max_order, rotation_invariant) -> tuple[nn.Module, int]:
    """The transform for ``(C, N)`` signals or ``(C, H, W)`` images, and its feature count."""
    if len(in_shape) == 2:
        _, N = in_shape
        if rotation_invariant:
            raise ValueError("rotation_invariant=True needs images (C, H, W), not signals")
        # J=3 (invariance to shifts up to 8 of MNIST-1D's 40 samples) beat J=2 and J=4 there
        J = J if J is not None else min(3, int(math.log2(N)))
        S = Scattering1D(J, N, Q=Q, max_order=max_order)
    else:
        _, H, W = in_shape
        J = J if J is not None else min(2, int(math.log2(min(H, W))))
        S = Scattering2D(J, (H, W), L=L, max_order=max_order, rotation_invariant=rotation_invariant)
    with torch.no_grad():
        features = S(torch.zeros(1, *in_shape)).numel()
    return S, features


def _build(
    in_shape, num_classes, J, Q, L, max_order, norm, width, depth, rotation_invariant=False
) -> nn.Module:
    check_choice(norm, "norm", ("log", "batch"))
    check_int(width, "width", minimum=1)
    scattering, features = _scattering(in_shape, J, Q, L, max_order, rotation_invariant)
    # log compresses the dynamic range per coefficient; BatchNorm then standardises each feature
    norm_stage = LogScattering() if norm == "log" else nn.Identity()
    stages: dict[str, nn.Module] = {
        "scattering": scattering,
        "norm": nn.Sequential(norm_stage, nn.Flatten(), nn.BatchNorm1d(features)),
    }
    stages.update(dense_head(features, num_classes, width, depth))
    return Staged(**stages)


@register_model("scattering_linear")
def scattering_linear(
    in_shape: tuple[int, ...],
    num_classes: int,
    J: int | None = None,
    Q: int = 4,
    L: int = 8,
    max_order: int = 2,
    norm: str = "log",
    rotation_invariant: bool = False,
) -> nn.Module:
    """Scattering (1D for ``(C, N)``, 2D for ``(C, H, W)``), log + BatchNorm, then a linear layer.

    ``scattering → log → flatten → BatchNorm → linear``. Invariant (approximately) to
    translations smaller than ``2^J``, stable to deformations; the classifier only sees these
    features. Stages: ``scattering, norm, logits``.

    Args:
        in_shape, num_classes: as :func:`~invlab.models.create_model`.
        J: number of octaves (invariance scale ``2^J`` samples); ``None``: 3 for signals, 2 for
            images, capped by the input size.
        Q: wavelets per octave (signals only).
        L: wavelet orientations (images only).
        max_order: highest scattering order, 1 or 2.
        norm: ``'log'`` (log then BatchNorm) or ``'batch'`` (BatchNorm only).
        rotation_invariant: images only; :class:`Scattering2D`'s rotation-invariant variant.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    return _build(in_shape, num_classes, J, Q, L, max_order, norm, 1, 0, bool(rotation_invariant))


@register_model("scattering_mlp")
def scattering_mlp(
    in_shape: tuple[int, ...],
    num_classes: int,
    J: int | None = None,
    Q: int = 4,
    L: int = 8,
    max_order: int = 2,
    norm: str = "log",
    width: int = 256,
    depth: int = 1,
    rotation_invariant: bool = False,
) -> nn.Module:
    """Scattering, log + BatchNorm, then an MLP of ``depth`` hidden layers of ``width`` units.

    ``scattering → log → flatten → BatchNorm → (linear → ReLU) × depth → linear``.
    Stages: ``scattering, norm, hidden1 ... hidden{depth}, logits``.

    Args:
        in_shape, num_classes, J, Q, L, max_order, norm, rotation_invariant: as
            :func:`scattering_linear`.
        width: units per hidden layer.
        depth: number of hidden layers, ``>= 1``.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    check_int(depth, "depth", minimum=1)
    return _build(
        in_shape, num_classes, J, Q, L, max_order, norm, width, depth, bool(rotation_invariant)
    )
