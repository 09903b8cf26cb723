"""One network, three parameterisations: PyTorch's standard (SP), NTK and μP (maximal update).

An abc-parameterisation (Yang & Hu 2021) gives every weight ``W`` of a layer three numbers: its
initialisation, a forward multiplier ``a`` (the layer computes ``a · W h``) and its learning-rate
factor ``c`` (plain SGD updates it by ``−η c ∂L/∂W``). With the width multiplier
``m = width / base_width`` and fan-in ``F``, for SGD:

=================  =====================  ======================  ==========================
                   SP (``"sp"``)          NTK (``"ntk"``)         μP (``"mup"``)
=================  =====================  ======================  ==========================
input, hidden W    U(±1/√F), a 1, c 1/m   N(0,1), a σ_w/√F, c 1   U(±1/√F), a 1, c m (input),
                                                                  c 1 (hidden)
their biases       U(±1/√F), a 1, c 1/m   N(0,1), a σ_b, c 1      U(±1/√F), a 1, c m
read-out W         U(±1/√F), a 1, c 1/m   N(0,1), a σ_w/√F, c 1   0, a 1/m, c m
read-out bias      U(±1/√F), a 1, c 1/m   N(0,1), a σ_b, c 1      0, a 1, c 1
=================  =====================  ======================  ==========================

* **SP** is ``nn.Linear`` / ``nn.Conv1d``'s default initialisation. Its NTK grows like the width,
  so a learning rate that is constant in width diverges once the network is wide enough; ``1/m``
  is the scaling that keeps SGD stable. Its limit is lazy: the features stop moving.
* **NTK** is neural-tangents' ``stax`` (:class:`~invlab.kernels.StaxMLP`,
  :class:`~invlab.kernels.StaxCNN`; ``σ_w = √2``, ``σ_b = 0``): as width → ∞, gradient descent
  is NTK regression, and the features do not move either (the lazy limit).
* **μP** (Tensor Programs V, table 3, for SGD) keeps every layer's update of its activations
  of order one at any width: the wide network keeps learning features, and a learning rate tuned
  at ``base_width`` transfers to other widths. At ``m = 1`` it is SP with a zero read-out.

Layers are dense (MLP) or circular convolutions with a flattened read-out (the "flatten" CNN
of :class:`~invlab.kernels.CNNKernel`); all use ReLU. Every parameter carries its factor ``c``
as ``param.lr_scale``; :func:`sgd_groups` turns a model into SGD parameter groups.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from invlab._validation import check_choice, check_int
from invlab.kernels.stax import B_STD, W_STD

PARAMETERISATIONS = ("sp", "ntk", "mup")


def _abc(parameterisation: str, role: str, fan_in: int, m: float) -> dict:
    """Initialisation, multipliers and learning-rate factors of one layer (the table above);
    ``role`` is ``'input'``, ``'hidden'`` or ``'readout'``."""
    if parameterisation == "ntk":
        a = W_STD / math.sqrt(fan_in)
        return {"init": "normal", "a": a, "a_b": B_STD, "c": 1.0, "c_b": 1.0}
    if parameterisation == "sp":
        return {"init": "uniform", "a": 1.0, "a_b": 1.0, "c": 1 / m, "c_b": 1 / m}
    if role == "readout":
        return {"init": "zero", "a": 1 / m, "a_b": 1.0, "c": m, "c_b": 1.0}
    return {"init": "uniform", "a": 1.0, "a_b": 1.0, "c": m if role == "input" else 1.0, "c_b": m}


class AbcLayer(nn.Module):
    """``a · W h + a_b · b``, dense or a circular 1D/2D convolution, with ``W`` and ``b`` carrying
    their learning-rate factors as ``lr_scale``.

    Args:
        fan_in, out: input features (channels) and outputs (channels).
        parameterisation: ``'sp'``, ``'ntk'`` or ``'mup'``.
        role: ``'input'``, ``'hidden'`` or ``'readout'``.
        width_mult: ``m = width / base_width``.
        kernel_size, dims: ``dims = 0`` for a dense layer, else a convolution over ``dims``
            spatial dimensions with a ``kernel_size`` window (fan-in ``fan_in · kernel_sizeᵈ``).
    """

    def __init__(
        self,
        fan_in: int,
        out: int,
        parameterisation: str,
        role: str,
        width_mult: float,
        kernel_size: int = 1,
        dims: int = 0,
    ) -> None:
        super().__init__()
        self.k, self.dims = kernel_size, dims
        window = [kernel_size] * dims
        full_fan_in = fan_in * kernel_size**dims
        rule = _abc(parameterisation, role, full_fan_in, width_mult)
        self.weight = nn.Parameter(torch.empty(out, fan_in, *window))
        self.bias = nn.Parameter(torch.empty(out))
        if rule["init"] == "normal":  # the order of StaxMLP's draws: the same net for a seed
            nn.init.normal_(self.weight)
            nn.init.normal_(self.bias)
        else:
            bound = 1 / math.sqrt(full_fan_in)  # nn.Linear / nn.ConvNd's default
            nn.init.uniform_(self.weight, -bound, bound)
            nn.init.uniform_(self.bias, -bound, bound)
            if rule["init"] == "zero":  # μP's read-out: the network starts at f = 0
                nn.init.zeros_(self.weight)
                nn.init.zeros_(self.bias)
        self.a, self.a_b, self.role = rule["a"], rule["a_b"], role
        self.weight.lr_scale, self.bias.lr_scale = rule["c"], rule["c_b"]

    def extra_repr(self) -> str:
        shape = "x".join(map(str, self.weight.shape))
        return (
            f"{shape}, role={self.role!r}, a={self.a:.4g}, a_b={self.a_b:.4g}, "
            f"lr_scale={self.weight.lr_scale:.4g}/{self.bias.lr_scale:.4g}"
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.dims == 0:
            return F.linear(h, self.weight * self.a, self.bias * self.a_b)
        left = (self.k - 1) // 2
        h = F.pad(h, [left, self.k - 1 - left] * self.dims, mode="circular")
        conv = F.conv1d if self.dims == 1 else F.conv2d
        return conv(h, self.weight * self.a, self.bias * self.a_b)


class ParameterisedNet(nn.Module):
    """``depth`` × (dense or circular conv, ReLU) of ``width`` units/channels, then a dense
    read-out of the (flattened) last hidden layer, in the parameterisation given.

    Args:
        in_shape: ``(C, N)`` or ``(C, H, W)``; an MLP flattens it.
        out_features: outputs (classes).
        width: units (MLP) or channels (CNN) per hidden layer.
        depth: hidden layers.
        parameterisation: ``'sp'``, ``'ntk'`` or ``'mup'`` (see the module docstring).
        base_width: the width at which ``m = 1`` (where the learning rate is tuned).
        conv: ``True`` for the flatten CNN, ``False`` for the MLP.
        kernel_size: the CNN's window.

    Shape:
        ``(B, *in_shape)`` → ``(B, out_features)``.

    Examples:
        >>> net = ParameterisedNet((1, 40), 10, width=128, parameterisation="mup", base_width=32)
        >>> net(torch.randn(3, 1, 40)).abs().max().item()  # μP's read-out starts at zero
        0.0
        >>> [g["lr"] for g in sgd_groups(net, lr=0.1)]  # input ×m, read-out weight ×m, bias ×1
        [0.4, 0.1]
    """

    def __init__(
        self,
        in_shape: tuple[int, ...],
        out_features: int,
        width: int,
        depth: int = 1,
        parameterisation: str = "ntk",
        base_width: int = 64,
        conv: bool = False,
        kernel_size: int = 3,
    ) -> None:
        super().__init__()
        in_shape = tuple(in_shape)
        if len(in_shape) not in (2, 3) or not all(isinstance(s, int) and s > 0 for s in in_shape):
            raise ValueError(f"in_shape must be (C, N) or (C, H, W), got {in_shape!r}")
        check_int(out_features, "out_features", minimum=1)
        check_int(width, "width", minimum=1)
        check_int(depth, "depth", minimum=1)
        check_int(base_width, "base_width", minimum=1)
        check_int(kernel_size, "kernel_size", minimum=1)
        check_choice(parameterisation, "parameterisation", PARAMETERISATIONS)
        self.parameterisation = parameterisation
        self.width, self.depth, self.base_width, self.conv = width, depth, base_width, conv
        m = width / base_width
        dims = len(in_shape) - 1 if conv else 0
        k = kernel_size if conv else 1
        sizes = [in_shape[0] if conv else math.prod(in_shape)] + [width] * depth
        self.hidden = nn.ModuleList(
            AbcLayer(a, b, parameterisation, "input" if i == 0 else "hidden", m, k, dims)
            for i, (a, b) in enumerate(itertools.pairwise(sizes))
        )
        features = width * math.prod(in_shape[1:]) if conv else width
        self.readout = AbcLayer(features, out_features, parameterisation, "readout", m)

    def extra_repr(self) -> str:
        kind = "cnn flatten" if self.conv else "mlp"
        return (
            f"{kind}, width={self.width}, depth={self.depth}, "
            f"parameterisation={self.parameterisation!r}, base_width={self.base_width}"
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's activations, flattened ``(B, F)``: what the read-out reads."""
        h = x if self.conv else x.flatten(1)
        for layer in self.hidden:
            h = torch.relu(layer(h))
        return h.flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))


def sgd_groups(model: nn.Module, lr: float) -> list[dict]:
    """SGD parameter groups of ``model``: the parameters whose ``lr_scale`` is ``c`` (1 where
    none is set) get the learning rate ``lr · c``; groups in order of first appearance."""
    groups: dict[float, list] = {}
    for p in model.parameters():
        groups.setdefault(float(getattr(p, "lr_scale", 1.0)), []).append(p)
    return [{"params": ps, "lr": lr * c} for c, ps in groups.items()]
