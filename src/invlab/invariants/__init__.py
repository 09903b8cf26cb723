"""Fixed invariant representations: each module documents the group it is invariant to.

Every functional form (``fourier_modulus``, ``bispectrum``, ``mellin``, ``log_polar``,
``fourier_mellin``, ...) is in :mod:`invlab.invariants.functional`, defined beside its module.
"""

from invlab.invariants.bispectrum import Bispectrum, bispectrum_pairs, invert_bispectrum
from invlab.invariants.detrending import Detrend, detrend
from invlab.invariants.fourier import FourierModulus, fourier_modulus
from invlab.invariants.fourier_mellin import FourierMellin
from invlab.invariants.log_polar import LogPolar
from invlab.invariants.mellin import Mellin
from invlab.invariants.registration import Registration, register_rotation_scale
from invlab.invariants.scattering import Scattering1D, Scattering2D

__all__ = [
    "Bispectrum",
    "Detrend",
    "FourierMellin",
    "FourierModulus",
    "LogPolar",
    "Mellin",
    "Registration",
    "Scattering1D",
    "Scattering2D",
    "bispectrum_pairs",
    "detrend",
    "fourier_modulus",
    "invert_bispectrum",
    "register_rotation_scale",
]
