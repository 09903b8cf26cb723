"""Translation-sensitivity maps (Kauderer-Abrams 2017): sensitivity over a 2D grid of shifts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.measure.profiling import Profile, compute_profile
from invlab.transforms import Shift


def translation_sensitivity_map(
    model: nn.Module,
    data,
    layers: str | Sequence[str] = "all",
    *,
    max_shift: int | None = None,
    steps: int | None = None,
    mode: str = "circular",
    batch_size: int = 256,
    device: str | torch.device | None = None,
) -> dict[str, pd.DataFrame]:
    """Normalised sensitivity of each layer to every 2D shift ``(dy, dx)`` of the images.

    ``s(dy, dx) = E‖φ(g_{dy,dx} x) − φ(x)‖² / E‖φ(x′) − φ(x)‖²``: 0 where the layer ignores
    the shift, about 1 where the shift moves it as far as another image. Kauderer-Abrams
    (2017) draw this map to show how invariance falls off with the shift's size and direction;
    the normalisation by the distance between two inputs makes layers comparable.

    Args:
        model: any ``nn.Module`` taking images ``(B, C, H, W)``.
        data: images ``(N, C, H, W)`` (or what :func:`invlab.measure.compute_profile` accepts).
        layers: ``'all'`` or layer names.
        max_shift: largest shift in pixels along each axis (default: a quarter of ``H``).
        steps: shifts per axis (default ``2·max_shift + 1``: every integer shift).
        mode: ``'circular'`` or ``'zeros'`` (see :class:`invlab.transforms.Shift`).
        batch_size, device: as in :func:`invlab.measure.compute_profile` (about
            ``batch_size`` shifted images per forward, at least one image's ``steps²``).

    Returns:
        ``{layer: DataFrame}`` with index ``dy`` (rows) and columns ``dx``.

    Examples:
        >>> maps = translation_sensitivity_map(nn.Identity(), torch.randn(20, 1, 8, 8),
        ...                                    layers=["input"], max_shift=1)
        >>> float(maps["input"].loc[0, 0])
        0.0
    """
    check_choice(mode, "mode", ("circular", "zeros"))
    if isinstance(data, torch.Tensor) and data.dim() != 4:
        raise ValueError(
            f"data must be images (N, C, H, W) for a 2D shift map, got shape "
            f"{tuple(data.shape)}; for signals use profile() with Shift and read sensitivity"
        )
    if max_shift is None:
        height = data.shape[-2] if isinstance(data, torch.Tensor) else 8
        max_shift = max(1, height // 4)
    check_int(max_shift, "max_shift", minimum=1)
    steps = 2 * max_shift + 1 if steps is None else check_int(steps, "steps", minimum=2)
    result = compute_profile(
        model,
        data,
        Shift(max_shift, dims=2, mode=mode),
        layers,
        metrics=["sensitivity"],
        steps=steps,
        batch_size=batch_size,
        device=device,
    )
    return {name: grid_map(result, name) for name in result.sensitivity}


def grid_map(result: Profile, layer: str, metric: str = "sensitivity") -> pd.DataFrame:
    """A per-parameter metric of a two-parameter grid as a table: rows θ₀, columns θ₁."""
    values = getattr(result, metric).get(layer) if metric != "accuracy" else result.accuracy
    if values is None:
        raise ValueError(f"the profile has no {metric!r} for layer {layer!r}")
    if result.grid.shape[1] != 2:
        raise ValueError(
            f"a map needs a transformation with 2 parameters, this grid has {result.grid.shape[1]}"
        )
    rows = np.unique(result.grid[:, 0].numpy())
    cols = np.unique(result.grid[:, 1].numpy())
    table = pd.DataFrame(np.nan, index=pd.Index(rows, name="dy"), columns=pd.Index(cols, name="dx"))
    for (a, b), v in zip(result.grid.tolist(), values):
        table.loc[a, b] = float(v)
    return table
