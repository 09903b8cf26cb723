"""Argument checks shared by every public entry point.

Each check raises a ``TypeError`` or ``ValueError`` whose message names the argument, what was
given and what was expected, so that bad input fails at the boundary rather than deep inside
torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch


def check_tensor(
    x: Any,
    name: str,
    *,
    min_dim: int = 1,
    floating: bool = True,
    allow_empty: bool = False,
    finite: bool = False,
) -> torch.Tensor:
    """Check that ``x`` is a tensor with at least ``min_dim`` dimensions and return it.

    Args:
        x: the object to check.
        name: the argument's name, used in the error message.
        min_dim: the smallest number of dimensions allowed.
        floating: require a floating-point (or complex) dtype.
        allow_empty: allow a tensor with zero elements.
        finite: reject NaN and infinite values.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dimension(s), got shape {tuple(x.shape)}"
        )
    if floating and not (x.is_floating_point() or x.is_complex()):
        raise TypeError(
            f"{name} must have a floating-point dtype (float32 or float64), got {x.dtype}; "
            f"convert it with {name}.float()"
        )
    if not allow_empty and x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); give at least one element")
    if finite and x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``choices`` and return it."""
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool) not below ``minimum`` and return it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_positive(value: Any, name: str, *, strict: bool = True) -> float:
    """Check that ``value`` is a finite real number > 0 (or >= 0) and return it as float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_range(value: Any, name: str) -> tuple[float, float]:
    """Check a ``(low, high)`` pair with ``low <= high`` and return it as floats."""
    try:
        low, high = value
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a (low, high) pair of numbers, got {value!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(f"{name} must satisfy low <= high with finite bounds, got {value!r}")
    return low, high


def check_square(x: torch.Tensor, name: str, what: str) -> None:
    """Raise a ValueError naming ``name`` when ``x``'s last two dimensions differ."""
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{name} must be square (H == W) for {what}, got H={x.shape[-2]}, "
            f"W={x.shape[-1]}; crop or pad it first"
        )
