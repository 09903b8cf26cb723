"""The infinite-width limit: NNGP and NTK kernels of MLPs and CNNs, and kernel regression.

As width → ∞ a randomly initialised network is a Gaussian process with kernel ``K`` (the NNGP)
and gradient-descent training of it is kernel regression with the neural tangent kernel ``Θ``.

* :class:`MLPKernel`: fully connected networks (depends on ``x`` only through norms and dot
  products: invariant to no shift);
* :class:`CNNKernel`: circular convolutions with a flatten (locally connected limit) or global
  average pooling readout (exactly shift invariant);
* :func:`symmetrize`: ``k_G(x, x′) = mean_g k(g x, x′)`` over a finite group;
* :class:`KernelRegression`: ridge regression with any of them, an ``nn.Module`` that
  :mod:`invlab.measure` measures like any model;
* :func:`mlp_kernel`, :func:`cnn_kernel`: the functional twins (plain functions; the modules
  call them);
* :class:`StaxMLP`, :class:`StaxCNN` (:mod:`~invlab.kernels.networks`): the finite networks
  whose width → ∞ limit the kernels are.

All in neural-tangents' ``stax`` parameterisation, computed in blocks, float64 by default. See
``docs/kernels.md`` for the recursions.
"""

from invlab.kernels.activations import ACTIVATIONS
from invlab.kernels.base import KINDS, Kernel
from invlab.kernels.cnn import READOUTS, CNNKernel
from invlab.kernels.functional import cnn_kernel, mlp_kernel
from invlab.kernels.mlp import MLPKernel
from invlab.kernels.networks import StaxCNN, StaxMLP
from invlab.kernels.regression import KernelRegression
from invlab.kernels.symmetrized import GROUPS, SymmetrizedKernel, group_elements, symmetrize

__all__ = [
    "ACTIVATIONS",
    "GROUPS",
    "KINDS",
    "READOUTS",
    "CNNKernel",
    "Kernel",
    "KernelRegression",
    "MLPKernel",
    "StaxCNN",
    "StaxMLP",
    "SymmetrizedKernel",
    "cnn_kernel",
    "group_elements",
    "mlp_kernel",
    "symmetrize",
]
