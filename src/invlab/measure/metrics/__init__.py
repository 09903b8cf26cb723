"""One module per invariance metric: its formula in the docstring and its accumulator (a
running sum that :func:`invlab.measure.compute_profile` feeds batch by batch); the public
functions that compute each one are :mod:`invlab.measure.functional`."""
