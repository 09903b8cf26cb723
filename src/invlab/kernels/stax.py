"""The hyper-parameters every stax layer shares: ``σ_w``, ``σ_b`` and the activation ``φ``.

A layer with fan-in ``F`` computes ``σ_w/√F · W h + σ_b · b`` (``W, b ~ N(0, 1)``) followed by
``φ``. The defaults, ``σ_w = √2`` (He: the variance of a ReLU net stays constant with depth),
``σ_b = 0`` and ReLU, are written here once and used by every kernel, its functional twin and
its finite network: the twins take them, with the computation options, as
:class:`KernelOptions` (validated by :func:`kernel_options`), the modules hold them
(:class:`StaxParameters`), and :class:`StaxKernel` is what :class:`~invlab.kernels.MLPKernel`
and :class:`~invlab.kernels.CNNKernel` share: the hyper-parameters, the ``repr`` and a
``forward`` that calls the twin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypedDict, Unpack

import torch

from invlab._validation import check_choice, check_int, check_positive
from invlab.kernels.activations import ACTIVATIONS
from invlab.kernels.base import ComputeOptions, Kernel, check_options

W_STD = 2**0.5
B_STD = 0.0
ACTIVATION = "relu"


def check_stax(w_std: Any, b_std: Any, activation: Any) -> tuple[float, float, str]:
    """Validated ``(w_std, b_std, activation)``: finite stds ``>= 0``, a known activation."""
    return (
        check_positive(w_std, "w_std", strict=False),
        check_positive(b_std, "b_std", strict=False),
        check_choice(activation, "activation", ACTIVATIONS),
    )


class StaxOptions(TypedDict, total=False):
    """The stax hyper-parameters as keyword arguments (defaults :data:`W_STD`, :data:`B_STD`,
    :data:`ACTIVATION`)."""

    w_std: float
    b_std: float
    activation: str


class KernelOptions(StaxOptions, ComputeOptions, total=False):
    """The keyword arguments every functional twin takes besides its architecture:
    :class:`StaxOptions` and :class:`~invlab.kernels.base.ComputeOptions`."""


def stax_options(
    options: dict[str, Any], function: str, allowed: type = StaxOptions
) -> tuple[float, float, str]:
    """Validated ``(w_std, b_std, activation)`` from keyword arguments ``options`` (defaults
    filled in); a keyword that ``allowed`` (a ``TypedDict``) does not declare is a
    ``TypeError`` naming ``function``."""
    unknown = sorted(set(options) - set(allowed.__annotations__))
    if unknown:
        raise TypeError(
            f"{function}() got unexpected keyword argument(s) {unknown}; it takes "
            f"{sorted(allowed.__annotations__)} besides its architecture"
        )
    return check_stax(
        options.get("w_std", W_STD),
        options.get("b_std", B_STD),
        options.get("activation", ACTIVATION),
    )


def kernel_options(
    options: dict[str, Any], function: str
) -> tuple[tuple[float, float, str], ComputeOptions]:
    """``((w_std, b_std, activation), computation options)`` validated from a twin's
    :class:`KernelOptions`, defaults filled in; an unknown keyword is a ``TypeError``."""
    stax = stax_options(options, function, KernelOptions)
    compute = {k: v for k, v in options.items() if k in ComputeOptions.__annotations__}
    return stax, check_options(**compute)


class StaxParameters:
    """Mixin holding validated ``w_std``, ``b_std``, ``activation``; ``extra_repr`` shows the
    network's own hyper-parameters (:meth:`architecture`) and then these."""

    w_std: float
    b_std: float
    activation: str

    def _set_stax(self, w_std: Any, b_std: Any, activation: Any) -> None:
        self.w_std, self.b_std, self.activation = check_stax(w_std, b_std, activation)

    def _stax_repr(self) -> str:
        return f"w_std={self.w_std:g}, b_std={self.b_std:g}, activation={self.activation!r}"

    def stax(self) -> dict[str, Any]:
        """``{'w_std': …, 'b_std': …, 'activation': …}``, to pass on to a twin."""
        return {"w_std": self.w_std, "b_std": self.b_std, "activation": self.activation}

    def architecture(self) -> dict[str, Any]:
        """The network's own hyper-parameters (``depth``, ``width``, ...), as its twin and its
        ``repr`` name them."""
        return {}

    def extra_repr(self) -> str:
        own = [f"{k}={v!r}" for k, v in self.architecture().items()]
        return ", ".join([*own, self._stax_repr()])


class StaxKernel(StaxParameters, Kernel):
    """The kernel of a stax network of ``depth`` layers: its hyper-parameters, computation
    options and a ``forward`` that calls the functional twin (:attr:`twin`) with
    :meth:`architecture`.

    Args:
        depth: number of hidden (or convolutional) layers, ``>= 1``.
        w_std: weight standard deviation ``σ_w``.
        b_std: bias standard deviation ``σ_b``.
        activation: ``'relu'``, ``'erf'`` or ``'linear'``.
        **options: :class:`~invlab.kernels.base.ComputeOptions` (see
            :class:`~invlab.kernels.base.Kernel`).
    """

    twin: ClassVar[Callable[..., Any]]

    def __init__(
        self,
        depth: int,
        w_std: float = W_STD,
        b_std: float = B_STD,
        activation: str = ACTIVATION,
        **options: Unpack[ComputeOptions],
    ) -> None:
        super().__init__(**options)
        self._set_stax(w_std, b_std, activation)
        self.depth = check_int(depth, "depth", minimum=1)

    def architecture(self) -> dict[str, Any]:
        return {"depth": self.depth}

    def forward(
        self, x1: torch.Tensor, x2: torch.Tensor | None = None, kind: str = "nngp"
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The ``(n1, n2)`` kernel matrix (``x2 = x1`` when omitted); ``kind``: ``'nngp'``,
        ``'ntk'`` or ``'both'`` (a tuple ``(nngp, ntk)`` for the price of the NTK alone)."""
        options = {**self.architecture(), **self.stax(), **self.options()}
        return type(self).twin(x1, x2, kind=kind, **options)
