"""The hyper-parameters every stax layer shares: ``σ_w``, ``σ_b`` and the activation ``φ``.

A layer with fan-in ``F`` computes ``σ_w/√F · W h + σ_b · b`` (``W, b ~ N(0, 1)``) followed by
``φ``. The defaults, ``σ_w = √2`` (He: the variance of a ReLU net stays constant with depth),
``σ_b = 0`` and ReLU, are written here once and used by every kernel, its functional twin and
its finite network.
"""

from __future__ import annotations

from typing import Any

from invlab._validation import check_choice, check_positive
from invlab.kernels.activations import ACTIVATIONS

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


class StaxParameters:
    """Mixin holding validated ``w_std``, ``b_std``, ``activation`` and their ``repr``."""

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
