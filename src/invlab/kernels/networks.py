"""Finite networks in neural-tangents' "NTK" parameterisation: the kernels' finite-width twins.

(neural-tangents keeps these beside each ``kernel_fn`` as ``init_fn``/``apply_fn``.)

A layer with fan-in ``F`` computes ``σ_w/√F · W h + σ_b · b`` with ``W, b`` initialised
``N(0, 1)``; as the width (channels) → ∞ the network's output at initialisation is the Gaussian
process with :class:`~invlab.kernels.MLPKernel` / :class:`~invlab.kernels.CNNKernel`, and
gradient descent on it (learning rate O(1)) follows kernel regression with the NTK.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Unpack

import torch
import torch.nn.functional as F
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.kernels.cnn import READOUTS
from invlab.kernels.stax import StaxOptions, StaxParameters, stax_options

_ACTIVATIONS = {"relu": torch.relu, "erf": torch.erf, "linear": lambda h: h}


class _NTKLinear(nn.Module):
    """``σ_w/√F · x W + σ_b · b`` with standard-normal ``W, b``."""

    def __init__(self, fan_in: int, out: int, w_std: float, b_std: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out, fan_in))
        self.bias = nn.Parameter(torch.randn(out))
        self.w_scale, self.b_std = w_std / math.sqrt(fan_in), b_std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.w_scale, self.bias * self.b_std)


class _NTKConv(nn.Module):
    """Circular convolution ``σ_w/√(C kᵈ) · W ⋆ x + σ_b · b`` (1D or 2D)."""

    def __init__(self, c_in: int, c_out: int, k: int, dims: int, w_std: float, b_std: float):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in, *([k] * dims)))
        self.bias = nn.Parameter(torch.randn(c_out))
        self.w_scale = w_std / math.sqrt(c_in * k**dims)
        self.b_std, self.k, self.dims = b_std, k, dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left = (self.k - 1) // 2
        x = F.pad(x, [left, self.k - 1 - left] * self.dims, mode="circular")
        conv = F.conv1d if self.dims == 1 else F.conv2d
        return conv(x, self.weight * self.w_scale, self.bias * self.b_std)


class _StaxNetwork(StaxParameters, nn.Module):
    """What the finite twins share: ``width``, ``depth``, the stax hyper-parameters and the
    hidden layers' ``h ← φ(layer(h))``."""

    def __init__(self, out_features: int, width: int, depth: int, stax: dict[str, Any]) -> None:
        super().__init__()
        self._set_stax(*stax_options(stax, type(self).__name__))
        check_int(out_features, "out_features", minimum=1)
        self.width = check_int(width, "width", minimum=1)
        self.depth = check_int(depth, "depth", minimum=1)

    def architecture(self) -> dict[str, Any]:
        return {"width": self.width, "depth": self.depth}

    def _hidden(self, h: torch.Tensor, layers: nn.ModuleList) -> torch.Tensor:
        for layer in layers:
            h = _ACTIVATIONS[self.activation](layer(h))
        return h


class StaxMLP(_StaxNetwork):
    """``depth`` × (dense, φ) of ``width`` units and a dense read-out.

    ``MLPKernel``'s network: as ``width`` → ∞ its NNGP / NTK are those of
    :class:`~invlab.kernels.MLPKernel` with the same arguments.

    Args:
        in_features: inputs are flattened to this many features.
        out_features: outputs (classes).
        width: hidden units per layer.
        depth: as :class:`~invlab.kernels.MLPKernel`.
        **stax: ``w_std, b_std, activation`` as :class:`~invlab.kernels.MLPKernel`.

    Examples:
        >>> StaxMLP(40, 10, width=64, depth=2)(torch.randn(3, 1, 40)).shape
        torch.Size([3, 10])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        width: int = 512,
        depth: int = 2,
        **stax: Unpack[StaxOptions],
    ) -> None:
        check_int(in_features, "in_features", minimum=1)
        super().__init__(out_features, width, depth, stax)
        sizes = [in_features] + [width] * depth
        w_std, b_std = self.w_std, self.b_std
        self.hidden = nn.ModuleList(
            _NTKLinear(a, b, w_std, b_std) for a, b in itertools.pairwise(sizes)
        )
        self.readout = _NTKLinear(width, out_features, w_std, b_std)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's activations ``(B, width)``: what the read-out reads."""
        return self._hidden(x.flatten(1), self.hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))


class StaxCNN(_StaxNetwork):
    """``depth`` × (circular conv, φ) of ``width`` channels, a readout, a dense layer.

    ``CNNKernel``'s network: as ``width`` → ∞ its NNGP / NTK are those of
    :class:`~invlab.kernels.CNNKernel` with the same arguments.

    Args:
        in_shape: ``(C, N)`` or ``(C, H, W)``.
        out_features: outputs (classes).
        width: channels per conv layer.
        depth, kernel_size, readout: as ``CNNKernel``.
        **stax: ``w_std, b_std, activation`` as ``CNNKernel``.

    Examples:
        >>> StaxCNN((1, 40), 10, width=16, depth=2)(torch.randn(3, 1, 40)).shape
        torch.Size([3, 10])
    """

    def __init__(
        self,
        in_shape: tuple[int, ...],
        out_features: int,
        width: int = 256,
        depth: int = 2,
        kernel_size: int = 3,
        readout: str = "gap",
        **stax: Unpack[StaxOptions],
    ) -> None:
        if len(in_shape) not in (2, 3):
            raise ValueError(f"in_shape must be (C, N) or (C, H, W), got {in_shape!r}")
        super().__init__(out_features, width, depth, stax)
        self.kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
        self.readout_kind = check_choice(readout, "readout", READOUTS)
        w_std, b_std = self.w_std, self.b_std
        dims = len(in_shape) - 1
        channels = [in_shape[0]] + [width] * depth
        self.convs = nn.ModuleList(
            _NTKConv(a, b, kernel_size, dims, w_std, b_std) for a, b in itertools.pairwise(channels)
        )
        features = width if readout == "gap" else width * math.prod(in_shape[1:])
        self.dense = _NTKLinear(features, out_features, w_std, b_std)

    def architecture(self) -> dict[str, Any]:
        kernel = {"kernel_size": self.kernel_size, "readout": self.readout_kind}
        return {**super().architecture(), **kernel}

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled (``gap``) or flattened feature map: what the dense read-out reads."""
        h = self._hidden(x, self.convs)
        return h.flatten(2).mean(-1) if self.readout_kind == "gap" else h.flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(self.features(x))
