"""Scattering transforms (Mallat): Kymatio-compatible, batched, with rotation invariance."""

from .scattering1d import Scattering1D
from .scattering2d import Scattering2D

__all__ = ["Scattering1D", "Scattering2D"]
