"""Fixed rotation/scale invariants followed by a learned classifier.

``fourier_mellin_mlp`` is invariant to translation, rotation and scale (up to boundary
effects) by construction; ``bispectrum_mlp`` is exactly invariant to circular translations
and, unlike ``fourier_mlp``, loses no information but the translation. Each works on
signals ``(C, N)`` and images ``(C, H, W)``.
"""

from __future__ import annotations

from torch import nn

from invlab._validation import check_int
from invlab.invariants import Bispectrum, FourierMellin
from invlab.models.registry import register_model
from invlab.models.staged import Staged, flat_features, standardized_head


def _invariant_mlp(
    name: str,
    invariant: nn.Module,
    in_shape: tuple[int, ...],
    num_classes: int,
    width: int,
    depth: int,
) -> Staged:
    """``invariant → flatten →`` :func:`standardized_head` (batch norm, MLP, logits)."""
    check_int(width, "width", minimum=1)
    check_int(depth, "depth", minimum=1)
    stages: dict[str, nn.Module] = {name: invariant, "flatten": nn.Flatten()}
    features = flat_features(nn.Sequential(*stages.values()), in_shape)
    return Staged(**stages, **standardized_head(features, num_classes, width, depth))


@register_model("fourier_mellin_mlp")
def fourier_mellin_mlp(
    in_shape: tuple[int, ...],
    num_classes: int,
    width: int = 256,
    depth: int = 2,
    n_radii: int = 32,
    n_angles: int = 32,
    floor: float | str = "auto",
    whiten: bool = False,
) -> nn.Module:
    """Fourier–Mellin invariant (per channel) then an MLP.

    ``FourierMellin → flatten → BatchNorm → (linear → ReLU) × depth → linear``. Images
    ``(C, H, W)`` need ``H == W``: the invariant is
    ``|F_{log r, θ} log(1 + L(H·|F x|)/(f·mean))|`` (:class:`FourierMellin`); signals ``(C, N)``
    use its 1D form (shift and dilation). Stages: ``fourier_mellin, flatten, normalize, hidden1
    ... hidden{depth}, logits``.

    Args:
        in_shape: one input without the batch dimension, ``(C, N)`` or ``(C, H, H)``.
        num_classes: number of output logits.
        width: units per hidden layer.
        depth: number of hidden layers, ``>= 1``.
        n_radii: log-polar samples along the log-radius.
        n_angles: log-polar samples along the angle.
        floor: log compression ``log(1 + L/(f·mean))``: a number ``f > 0``, or ``'auto'``: none
            for images, ``f = 0.1`` for signals.
        whiten: divide each ring of the log-polar spectrum by its mean over the angles.

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    spatial = in_shape[1:]
    shape = spatial[0] if len(spatial) == 1 else tuple(spatial)
    if len(spatial) == 2 and spatial[0] != spatial[1]:
        raise ValueError(f"in_shape must have square images (C, H, H), got {in_shape}")
    invariant = FourierMellin(
        shape, n_radii=n_radii, n_angles=n_angles, floor=floor, whiten=bool(whiten)
    )
    return _invariant_mlp("fourier_mellin", invariant, in_shape, num_classes, width, depth)


@register_model("bispectrum_mlp")
def bispectrum_mlp(
    in_shape: tuple[int, ...],
    num_classes: int,
    width: int = 256,
    depth: int = 2,
    pairs: str = "reduced",
) -> nn.Module:
    """Bispectrum (real and imaginary parts, ``B / |B|^{2/3}``) per channel, then an MLP.

    ``Bispectrum → flatten → BatchNorm → (linear → ReLU) × depth → linear``; exactly invariant
    to circular translations of the input. Stages: ``bispectrum, flatten, normalize, hidden1 ...
    hidden{depth}, logits``.

    Args:
        in_shape, num_classes, width, depth: as :func:`~invlab.models.zoo.dense.mlp`.
        pairs: ``'reduced'`` (``2 (N//2+1)`` coefficients in 1D, ``3 H (W//2+1)`` in 2D) or
            ``'full'`` (all frequency pairs; refused above a million coefficients).

    Shape:
        Input ``(B, C, N)`` or ``(B, C, H, W)`` → logits ``(B, num_classes)``.
    """
    spatial = in_shape[1:]
    shape = spatial[0] if len(spatial) == 1 else tuple(spatial)
    invariant = Bispectrum(shape, pairs=pairs, output="real", normalize=True)
    if invariant.num_coefficients * in_shape[0] > 1_000_000:
        raise ValueError(
            f"pairs={pairs!r} gives {invariant.num_coefficients * in_shape[0]} coefficients "
            f"for in_shape {in_shape}; use pairs='reduced'"
        )
    return _invariant_mlp("bispectrum", invariant, in_shape, num_classes, width, depth)
