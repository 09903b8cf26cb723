"""Scattering transforms (Mallat): Kymatio-compatible, batched, with rotation invariance."""

from .scattering1d import Scattering1D

__all__ = ["Scattering1D"]
