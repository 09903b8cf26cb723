"""Functional forms of the fixed invariant representations (no state, no buffers).

The one namespace of invlab's functionals, as :mod:`torch.nn.functional` is torch's: each is
defined beside its module (``fourier.py``, ``bispectrum.py``, ``detrend.py``, ``mellin.py``,
``log_polar.py``, ``fourier_mellin.py``) and collected here. The scattering transforms have no
functional form (their filter banks are state).

Examples:
    >>> import torch
    >>> import invlab.invariants.functional as IF
    >>> IF.fourier_mellin(torch.randn(2, 32, 32), 16, 16).shape
    torch.Size([2, 16, 9])
"""

from invlab.invariants.bispectrum import bispectrum, bispectrum_pairs, invert_bispectrum
from invlab.invariants.detrending import detrend
from invlab.invariants.fourier import fourier_modulus
from invlab.invariants.fourier_mellin import (
    fourier_mellin,
    fourier_mellin_1d,
    fourier_mellin_matrix,
    half_spectrum,
    log_polar_spectrum,
    magnitude,
    radial_hann,
    spectrum_highpass,
)
from invlab.invariants.log_polar import log_polar, log_polar_grid
from invlab.invariants.mellin import mellin

__all__ = [
    "bispectrum",
    "bispectrum_pairs",
    "detrend",
    "fourier_mellin",
    "fourier_mellin_1d",
    "fourier_mellin_matrix",
    "fourier_modulus",
    "half_spectrum",
    "invert_bispectrum",
    "log_polar",
    "log_polar_grid",
    "log_polar_spectrum",
    "magnitude",
    "mellin",
    "radial_hann",
    "spectrum_highpass",
]
