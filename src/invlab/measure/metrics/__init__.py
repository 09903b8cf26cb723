"""One module per invariance metric: its formula in the docstring, its accumulator (a running
sum that :func:`invlab.measure.compute_profile` feeds batch by batch, following
:class:`~invlab.measure.metrics.protocol.Accumulator`) and its ``METRIC`` record, listed in
:mod:`~invlab.measure.metrics.registry`; the public functions that compute each one are
:mod:`invlab.measure.functional`."""
