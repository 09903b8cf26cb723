"""Functional twins of the kernel modules: plain functions, no object to keep.

The modules (:class:`~invlab.kernels.MLPKernel`, :class:`~invlab.kernels.CNNKernel`) store
their hyper-parameters and call these.
"""

from invlab.kernels.cnn import cnn_kernel
from invlab.kernels.mlp import mlp_kernel

__all__ = ["cnn_kernel", "mlp_kernel"]
