"""Fixed invariant representations: each module documents the group it is invariant to."""

from invlab.invariants.fourier import FourierModulus
from invlab.invariants.functional import fourier_modulus

__all__ = ["FourierModulus", "fourier_modulus"]
