"""Equivariance error ``E‖φ(g x) − ρ(g) φ(x)‖ / E‖φ(x)‖`` for layers with a known action ``ρ``.

A layer is equivariant when transforming its input transforms its output by a known action
``ρ(g)``: a circular convolution commutes with shifts (``ρ`` = the same shift of the feature
map), a stride-``s`` layer turns a shift by ``t`` into one by ``t / s``, an invariant layer has
``ρ(g) = identity``. The error is 0 for an exactly equivariant layer and about ``√2`` for a
representation unrelated to the action (``‖a − b‖ ≈ √2 ‖a‖`` for independent ``a, b``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import torch
from torch import nn

from invlab.transforms import Compose, Shift, Transform

Rho = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def equivariance_error(
    model: nn.Module,
    data,
    transform: Transform,
    layers: str | Sequence[str] = "all",
    *,
    rho: str | Rho | dict[str, str | Rho] | None = None,
    steps: int = 9,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    model_name: str = "model",
) -> pd.DataFrame:
    """Relative equivariance error of each layer, per transformation parameter.

    ``e(θ) = E_x‖φ(g_θ x) − ρ(g_θ) φ(x)‖ / E_x‖φ(x)‖`` for ``θ`` in ``transform.grid(steps)``.

    Args:
        model, data, transform, layers, steps, batch_size, device, model_name: as in
            :func:`invlab.measure.profile`.
        rho: ``None`` (automatic: the transform acting on feature maps of the input's rank,
            a :class:`Shift` divided by the layer's stride; other layers are skipped),
            ``'same'`` (the same, an error where undefined), a callable
            ``rho(features (B, ...), params (B, P)) -> features`` for every layer, or a dict
            ``{layer: 'same' | callable}``.

    Returns:
        Tidy DataFrame ``model, layer, metric='equivariance', param, value`` with one row per
        grid point and ``param='mean'``.

    Examples:
        >>> from invlab.transforms import Shift
        >>> conv = nn.Conv1d(1, 2, 3, padding=1, padding_mode="circular")
        >>> df = equivariance_error(conv, torch.randn(10, 1, 16), Shift(4), layers=["output"])
        >>> bool(df.value.max() < 1e-6)
        True
    """
    from invlab.measure.profiling import profile  # profiling imports this module

    return profile(
        model,
        data,
        transform,
        layers,
        metrics=["equivariance"],
        rho=rho,
        steps=steps,
        batch_size=batch_size,
        device=device,
        model_name=model_name,
    )


def resolve_actions(rho, names, acts, xb, transform, wanted, explicit) -> dict[str, Rho | None]:
    """``{layer: ρ or None}`` from the user's ``rho`` (see :func:`invlab.measure.profile`)."""
    if "equivariance" not in wanted:
        return {}
    if rho is None or isinstance(rho, str):
        if rho not in (None, "same"):
            raise ValueError(f"rho must be None, 'same', a callable or a dict, got {rho!r}")
        chosen = {n: feature_action(transform, xb, acts[n], strict=rho == "same") for n in names}
    elif callable(rho):
        chosen = dict.fromkeys(names, rho)
    elif isinstance(rho, dict):
        unknown = sorted(set(rho) - set(names))
        if unknown:
            raise ValueError(f"rho names layers {unknown} that are not measured: {names}")
        chosen = {}
        for n in names:
            r = rho.get(n)
            if r == "same":
                r = feature_action(transform, xb, acts[n], strict=True, layer=n)
            elif r is not None and not callable(r):
                raise TypeError(f"rho[{n!r}] must be 'same' or a callable, got {r!r}")
            chosen[n] = r
    else:
        raise TypeError(f"rho must be None, 'same', a callable or a dict, got {type(rho)}")
    if explicit and not any(r is not None for r in chosen.values()):
        raise ValueError(
            "metric 'equivariance' needs a known action on some layer: no measured layer has "
            "a feature map of the input's rank; pass rho=callable or rho={layer: callable}"
        )
    return chosen


def feature_action(transform, xb, feat, *, strict: bool, layer: str = "") -> Rho | None:
    """``ρ`` = the transformation acting on the feature map's spatial axes, or ``None``.

    A :class:`Shift` by ``s`` becomes a shift by ``s / stride`` (rounded) on a feature map
    ``stride`` times smaller; other transformations act on the feature map about its centre.
    """
    d = transform.spatial_dims
    fail = None
    if feat.dim() != xb.dim():
        fail = f"its output has shape {tuple(feat.shape[1:])}, not (C, {d} spatial axes)"
    elif isinstance(transform, Shift):
        strides = []
        for n_in, n_out in zip(xb.shape[-d:], feat.shape[-d:]):
            if n_in % n_out:
                fail = f"its size {n_out} does not divide the input's size {n_in}"
                break
            strides.append(n_in // n_out)
        if fail is None:
            return ShiftAction(strides, transform.mode)
    elif isinstance(transform, Compose):
        fail = "Compose has no automatic action; pass rho=callable"
    else:
        return transform.apply
    if strict:
        raise ValueError(f"rho='same' is not defined for layer {layer!r}: {fail}")
    return None


class ShiftAction:
    """``ρ``: a shift by ``θ / stride`` (rounded) on the feature map's last ``len(strides)`` axes.

    Callable like any ``rho``; :meth:`trajectory_error` measures every grid point at once with
    one gather of the base features (roll by index) instead of one call per grid point.
    """

    def __init__(self, strides: Sequence[int], mode: str) -> None:
        self.stride = torch.tensor(list(strides), dtype=torch.float32)
        self.on_features = Shift(dims=len(strides), mode=mode)

    def __call__(self, f: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return self.on_features.apply(f, p / self.stride.to(p.device))

    def trajectory_error(self, base: torch.Tensor, moved: torch.Tensor, grid: torch.Tensor):
        """``Σ_x ‖φ(g_θ x) − ρ(g_θ) φ(x)‖`` per grid point, shape ``(T,)``, in ``base.dtype``.

        ``base``: ``(b, C, *spatial)``; ``moved``: ``(b, T, C, *spatial)``; ``grid``: ``(T, d)``.
        """
        d = self.stride.numel()
        spatial = base.shape[-d:]
        b, t_len = moved.shape[:2]
        shifts = (grid / self.stride.to(grid.device)).round().long()  # as Shift rounds
        index = torch.zeros((t_len, 1), dtype=torch.long, device=base.device)
        inside = None
        for axis, n in enumerate(spatial):
            s = shifts[:, axis].to(base.device)
            biggest = int(s.abs().max()) if s.numel() else 0
            if biggest >= n:
                raise ValueError(
                    f"shift of {biggest} samples is not smaller than the signal's length {n} "
                    f"along dimension {base.dim() - d + axis}; use shifts with |s| < {n}"
                )
            source = torch.arange(n, device=base.device) - s.unsqueeze(1)  # (T, n)
            index = (index.unsqueeze(2) * n + source.remainder(n).unsqueeze(1)).flatten(1)
            if self.on_features.mode != "circular":
                ok = (source >= 0) & (source < n)
                inside = ok if inside is None else (inside.unsqueeze(2) & ok.unsqueeze(1))
                inside = inside.flatten(1)
        size = index.shape[1]
        flat = base.reshape(b, 1, -1, size)
        shape = (b, t_len, flat.shape[2], size)
        # every grid point's prediction in the layout of ``moved``, one gather (roll by index)
        predicted = torch.gather(flat.expand(shape), 3, index.view(1, t_len, 1, size).expand(shape))
        if inside is not None:
            predicted.mul_(inside.to(predicted.dtype).view(1, t_len, 1, size))
        predicted.sub_(moved.reshape(shape))
        return torch.linalg.vector_norm(predicted.view(b, t_len, -1), dim=2).sum(0)
