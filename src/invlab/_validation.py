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


def first_output(out: Any, name: str = "the model's output") -> torch.Tensor:
    """The one rule for what a model (or layer) returns: a tensor, or a tuple/list led by one.

    Models that return ``(logits, extras)`` are common; everywhere invlab reads an output
    (measurement hooks, the model's output, training), it takes the first element. Anything
    else is a ``TypeError`` naming what was returned.
    """
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, tuple | list) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    kind = type(out).__name__
    if isinstance(out, tuple | list):
        kind = f"a {kind} of {', '.join(type(v).__name__ for v in out[:4]) or 'nothing'}"
    raise TypeError(
        f"{name} must be a tensor or a tuple/list whose first element is a tensor, got {kind}"
    )


def check_device(device: Any, name: str = "device") -> torch.device:
    """A ``torch.device`` that exists in this build, or a ValueError naming ``name``."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"{name} {device!r} is not a device; expected cpu, cuda, cuda:N or mps"
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{name} {device!r}: this torch build sees no CUDA device "
                f"(torch.cuda.is_available() is False); use cpu"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"{name} {device!r}: only {torch.cuda.device_count()} CUDA device(s) exist"
            )
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name} {device!r}: MPS is not available here; use cpu")
    elif dev.type not in ("cpu", "cuda", "mps", "meta"):
        raise ValueError(f"{name} {device!r}: unsupported device type; use cpu, cuda or mps")
    return dev


def check_labels(y: torch.Tensor, num_classes: int, name: str = "y") -> None:
    """Labels must be integers in ``[0, num_classes)``; say which one is not."""
    if y.numel() == 0:
        return
    if y.is_floating_point() and not bool((y == y.round()).all()):
        raise ValueError(f"{name} must hold integer class labels, got non-integer values")
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise ValueError(
            f"{name} holds the label {bad}, outside [0, {num_classes}): the model's output "
            f"has {num_classes} classes; labels must be 0 .. {num_classes - 1}"
        )


def model_dtype(model: torch.nn.Module) -> torch.dtype | None:
    """The floating dtype of the model's first floating parameter or buffer, or ``None``."""
    for t in list(model.parameters()) + list(model.buffers()):
        if t.is_floating_point() or t.is_complex():
            return t.dtype
    return None


def match_dtype(x: torch.Tensor, dtype: torch.dtype | None, name: str) -> torch.Tensor:
    """Cast real floating data to the model's floating ``dtype``; refuse complex into real.

    A model computes in its parameters' dtype, so real data of another precision (float64,
    float16, bfloat16) is cast to it, as ``model(x.to(dtype))`` would; complex data carries
    a phase that a real model cannot take, so it is refused (pass ``x.real`` or ``x.abs()``).
    """
    if dtype is None or x.dtype == dtype:
        return x
    if x.is_complex() and not dtype.is_complex:
        raise TypeError(
            f"{name} is complex ({x.dtype}) but the model computes in {dtype}; pass "
            f"{name}.real or {name}.abs()"
        )
    return x.to(dtype)


def check_forward(model: torch.nn.Module, x: torch.Tensor, name: str = "data"):
    """``model(x)`` on a few inputs, its failure turned into one line about ``name``.

    The boundary check for "does this data fit this model" (2D images into a 1D model, the
    wrong number of channels or length, a dtype the model's kernels lack): asked once, on the
    first inputs, before any real work.
    """
    try:
        return model(x)
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError) as err:
        lines = [line for line in str(err).splitlines() if line.strip()]
        reason = lines[0][:300] if lines else type(err).__name__
        raise ValueError(
            f"the model fails on {name} of shape {tuple(x.shape[1:])} per input ({x.dtype}): "
            f"{reason}; {name} must be what the model takes (a 1D model (N, C, L), a 2D one "
            f"(N, C, H, W), with its channels and size)"
        ) from None
