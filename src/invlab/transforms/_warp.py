"""Helpers shared by the image transforms."""

from __future__ import annotations

import torch

from invlab._resample import affine_warp

__all__ = ["affine_warp", "check_square"]


def check_square(x: torch.Tensor, name: str, what: str) -> None:
    """Raise a ValueError naming ``name`` when the last two dimensions differ."""
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{name} must be square (H == W) for {what}, got H={x.shape[-2]}, "
            f"W={x.shape[-1]}; crop or pad it first"
        )
