"""Where a study's runs compute: ``cpu``, ``cuda``, ``cuda:N``, ``mps`` or ``auto``.

The device is not part of a run's identity (its key): a run's numbers are the same quantity on
any device, equal up to floating-point reduction order. It is stored with each run (its
``versions``: ``device`` and ``device_name``), so that a table can say where a number came
from.
"""

from __future__ import annotations

import platform

DEVICES = "cpu, cuda, cuda:N, mps or auto"


def resolve_device(text: str, name: str = "device"):
    """The ``torch.device`` that ``text`` names, checked to exist here.

    ``auto`` is the first of CUDA, MPS and the CPU that this machine has.

    Raises:
        ValueError: not a device name, or a device this machine does not have (one line,
            naming ``name``).

    Examples:
        >>> resolve_device("cpu")
        device(type='cpu')
        >>> resolve_device("tpu")
        Traceback (most recent call last):
        ...
        ValueError: device 'tpu' is not a device; expected cpu, cuda, cuda:N, mps or auto
    """
    import torch

    from invlab._validation import check_device

    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must be a device name ({DEVICES}), got {text!r}")
    text = text.strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = check_device(text, name)
    except ValueError as exc:
        raise ValueError(str(exc).replace("cuda:N or mps", "cuda:N, mps or auto")) from None
    if device.type == "meta":
        raise ValueError(f"{name} 'meta' holds no data: a run cannot compute there; use cpu")
    return device


def device_name(device) -> str:
    """A readable name of ``device``: the GPU's model, or the CPU's architecture."""
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple MPS"
    return f"cpu ({platform.machine()})"
