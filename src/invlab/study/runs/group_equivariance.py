"""How equivariant a trained G-CNN is at the angles between quarter turns: the relative error
of its lifting convolution and of its group-pooled features, stored with the run (#21).

For a layer ``φ`` with a known output action ``ρ``, over the measured inputs ``x``:

    e(θ) = Σ_x ‖m ⊙ (φ(g_θ x) − ρ(g_θ) φ(x))‖ / Σ_x ‖m ⊙ φ(x)‖

(:mod:`invlab.measure.metrics.equivariance`), with ``m`` the disc inscribed in the map, one
pixel in from its edge, so that the corners a turn moves out of the square do not count.

* ``lift`` (the lifting convolution, without its bias): ``ρ(g)`` turns each map by ``θ`` and
  shifts the group axis by the regular representation; defined where ``θ`` is an angle of the
  group (45° for C8 and C16, 22.5° for C16). Its kernels are turned by bilinear interpolation
  off the quarter turns, the error this reads.
* ``pooled`` (the output of the ``group_pool`` stage, ``(B, C, H, W)``): ``ρ(g)`` turns each
  map; defined at every angle. It adds what the stacked layers and any 2×2 max pooling do.

The maps are turned by bilinear interpolation too, so even an exactly equivariant continuous
network reads a small error at 45° on a pixel grid.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from invlab.measure import compute_profile
from invlab.nn import GroupConv2d
from invlab.transforms import Rotate

ANGLES = (22.5, 45.0)
"""The angles read, in degrees: the smallest turns of C16 and C8."""


def group_equivariance(model: nn.Module, x: torch.Tensor) -> dict[str, float]:
    """``{'lift 45°': e, 'pooled 45°': e, ...}`` for a G-CNN (a :class:`~invlab.models.Staged`
    model with a lifting :class:`~invlab.nn.GroupConv2d` and a ``group_pool`` stage); empty
    for any other model.

    Args:
        model: the trained model, in evaluation mode.
        x: the measured inputs ``(N, C, H, W)`` (square images).

    Examples:
        >>> from invlab.models import create_model
        >>> m = create_model("gcnn", in_shape=(1, 15, 15), num_classes=3, group="C8",
        ...                  channels=2, depth=1).eval()
        >>> sorted(group_equivariance(m, torch.rand(4, 1, 15, 15)))
        ['lift 45°', 'pooled 22.5°', 'pooled 45°']
    """
    lift = next((m for m in model.modules() if isinstance(m, GroupConv2d) and m.lifting), None)
    names = [n for n, _ in model.named_children()]
    if lift is None or "group_pool" not in names:
        return {}
    group = lift.group
    pooled = nn.Sequential(*list(model.children())[: names.index("group_pool") + 1])
    out = {}
    for angle in ANGLES:
        step = angle * group.rotations / 360.0
        if group.order == group.rotations and step == round(step):  # a rotation of the group

            def regular(f, p, a=int(step)):
                return group.act_regular(f, a)

            out[f"lift {angle:g}°"] = _error(_Lift(lift), x, angle, regular)
        out[f"pooled {angle:g}°"] = _error(pooled, x, angle, _turn_maps)
    return out


def _turn_maps(f: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    return Rotate()._apply_to_maps(f, p)


def _error(layer: nn.Module, x: torch.Tensor, angle: float, rho) -> float:
    masked = _Masked(layer)

    def masked_rho(f, p):
        return masked.mask(rho(f, p))

    with torch.no_grad():
        profile = compute_profile(
            masked,
            x,
            Rotate((0.0, angle)),
            ["output"],
            metrics=["equivariance"],
            steps=2,
            rho=masked_rho,
        )
    return float(profile.equivariance["output"][-1])


class _Lift(nn.Module):
    """The lifting convolution without its bias (a constant per field, which would only
    inflate ``‖φ(x)‖``)."""

    def __init__(self, conv: GroupConv2d) -> None:
        super().__init__()
        self.conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.conv
        y = F.conv2d(x, c.expanded_weight(), stride=c.stride, padding=c.padding)
        return y.unflatten(1, (c.out_channels, c.group.order))


class _Masked(nn.Module):
    """``m ⊙ layer(x)``: the maps outside their inscribed disc set to zero."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mask(self.layer(x))

    @staticmethod
    def mask(f: torch.Tensor) -> torch.Tensor:
        h, w = f.shape[-2:]
        yy = torch.arange(h, device=f.device, dtype=f.dtype) - (h - 1) / 2
        xx = torch.arange(w, device=f.device, dtype=f.dtype) - (w - 1) / 2
        radius = (min(h, w) - 1) / 2 - 1
        return f * ((yy[:, None] ** 2 + xx[None, :] ** 2) <= radius**2)
