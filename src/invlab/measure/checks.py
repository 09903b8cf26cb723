"""Validation shared by the metrics."""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_tensor
from invlab.measure.activations import model_device
from invlab.transforms import Transform


def check_inputs(
    model: nn.Module, x: torch.Tensor, transform: Transform | None = None
) -> torch.Tensor:
    """Check ``model``, the data ``x`` and ``transform`` together and return ``x``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    x = check_tensor(x, "x", min_dim=2, finite=True)
    if transform is not None:
        if not isinstance(transform, Transform):
            raise TypeError(f"transform must be an invlab Transform, got {type(transform)}")
        if x.dim() < transform.spatial_dims + 1:
            raise ValueError(
                f"transform acts on {transform.spatial_dims} spatial dimension(s) but x has "
                f"shape {tuple(x.shape)}"
            )
    device = model_device(model)
    if x.device != device:
        raise ValueError(
            f"x is on {x.device} but the model is on {device}; move one with .to(device)"
        )
    return x
