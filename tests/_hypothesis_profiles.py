"""Hypothesis settings shared by the property tests (``tests/test_properties_*.py``).

Two profiles, chosen with ``INVLAB_HYPOTHESIS_PROFILE``:

* ``ci`` (default): a small example budget, derandomised (the examples depend only on the test
  function, so every CI run checks the same inputs), no deadline (a loaded 2-core machine must
  not turn slowness into failures), no example database written next to the sources;
* ``thorough``: ten times the examples, still reproducible, for a deliberate local hunt:
  ``INVLAB_HYPOTHESIS_PROFILE=thorough pytest tests/test_properties_*.py``.

Each test states its own budget with :func:`budget` (its ``ci`` example count), which the
``thorough`` profile scales up.
"""

from __future__ import annotations

import os

import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_SCALE = {"ci": 1, "thorough": 10}
_COMMON = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
for _name, _scale in _SCALE.items():
    settings.register_profile(f"invlab-{_name}", max_examples=20 * _scale, **_COMMON)

PROFILE = os.environ.get("INVLAB_HYPOTHESIS_PROFILE", "ci")
if PROFILE not in _SCALE:
    raise ValueError(f"INVLAB_HYPOTHESIS_PROFILE must be one of {sorted(_SCALE)}, got {PROFILE!r}")
settings.load_profile(f"invlab-{PROFILE}")


def budget(examples: int) -> settings:
    """Settings for one property test: ``examples`` examples in CI, more when thorough."""
    return settings(max_examples=examples * _SCALE[PROFILE])


# -- strategies shared by the files ---------------------------------------------------------

dtypes = st.sampled_from([torch.float32, torch.float64])
seeds = st.integers(0, 2**31 - 1)
batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


def rtol(dtype: torch.dtype) -> float:
    """Relative tolerance of an exact invariance: float rounding only."""
    return 1e-5 if dtype == torch.float32 else 1e-10


def rel_change(moved: torch.Tensor, base: torch.Tensor) -> float:
    """``‖moved − base‖ / ‖base‖`` over the whole tensor (complex allowed)."""
    return float((moved - base).abs().norm() / base.abs().norm())


def randn(seed: int, *shape: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Gaussian noise from a drawn seed (Hypothesis draws the seed, torch the values)."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
