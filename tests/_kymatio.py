"""Shared by the tests that compare invlab's scattering with Kymatio's (imported as a module)."""

import warnings

import pytest
import torch

kymatio_torch = pytest.importorskip("kymatio.torch")

TOL = 1e-5  # max |invlab − kymatio| / max |kymatio|, float32


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


def kymatio(cls, *args, **kwargs):
    """Kymatio's torch frontend ``cls``, built without its warnings (small supports etc.)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(kymatio_torch, cls)(*args, **kwargs)
