"""One module per run kind; each defines a :class:`~invlab.study.runs.registry.RunKind`
subclass decorated with :func:`~invlab.study.runs.registry.register`."""
