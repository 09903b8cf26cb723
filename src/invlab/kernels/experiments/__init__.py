"""Experiment code for the ``infinite-width`` and ``learn-dft`` studies, as plain functions.

* :mod:`~invlab.kernels.experiments.infinite_width`: the shift-augmented training set (the
  data-side route to invariance, beside the architectural one, GAP);
* :mod:`~invlab.kernels.experiments.learn_dft`: the DFT as a linear layer, and training one to
  find it.

The finite networks (``StaxMLP``, ``StaxCNN``) are :mod:`invlab.kernels.networks`. The study
layer wires these into studies; nothing here imports it.
"""

from invlab.kernels.experiments.infinite_width import shift_augment
from invlab.kernels.experiments.learn_dft import dft_matrix, fit_linear_dft, frequency_errors

__all__ = ["dft_matrix", "fit_linear_dft", "frequency_errors", "shift_augment"]
