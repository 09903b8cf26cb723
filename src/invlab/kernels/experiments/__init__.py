"""Experiment code for the ``infinite-width`` and ``learn-dft`` studies, as plain functions.

* :mod:`~invlab.kernels.experiments.networks`: finite networks in the kernels'
  parameterisation (``StaxMLP``, ``StaxCNN``), whose width → ∞ limit is
  :class:`~invlab.kernels.MLPKernel` / :class:`~invlab.kernels.CNNKernel`;
* :mod:`~invlab.kernels.experiments.infinite_width`: kernel regression on a dataset with its
  accuracy, accuracy on shifted inputs and consistency, and the shift-augmented training set;
* :mod:`~invlab.kernels.experiments.learn_dft`: the DFT as a linear layer, and training one to
  find it.

The study layer wires them into studies; nothing here imports it.
"""

from invlab.kernels.experiments.infinite_width import evaluate_kernel, shift_augment
from invlab.kernels.experiments.learn_dft import dft_matrix, fit_linear_dft, frequency_errors
from invlab.kernels.experiments.networks import StaxCNN, StaxMLP

__all__ = [
    "StaxCNN",
    "StaxMLP",
    "dft_matrix",
    "evaluate_kernel",
    "fit_linear_dft",
    "frequency_errors",
    "shift_augment",
]
