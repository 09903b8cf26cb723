"""Fixed invariant representations: each module documents the group it is invariant to.

The functional forms of the rotation/scale invariants (``bispectrum``, ``mellin``,
``log_polar``, ``fourier_mellin``) live in :mod:`invlab.invariants.functional_rotscale`; their
names are taken here by the modules that hold the classes.
"""

from invlab.invariants.bispectrum import Bispectrum
from invlab.invariants.fourier import FourierModulus
from invlab.invariants.fourier_mellin import FourierMellin
from invlab.invariants.functional import fourier_modulus
from invlab.invariants.functional_rotscale import bispectrum_pairs, invert_bispectrum
from invlab.invariants.log_polar import LogPolar
from invlab.invariants.mellin import Mellin
from invlab.invariants.registration import Registration, register_rotation_scale
from invlab.invariants.scattering import Scattering1D, Scattering2D

__all__ = [
    "Bispectrum",
    "FourierMellin",
    "FourierModulus",
    "LogPolar",
    "Mellin",
    "Registration",
    "Scattering1D",
    "Scattering2D",
    "bispectrum_pairs",
    "fourier_modulus",
    "invert_bispectrum",
    "register_rotation_scale",
]
