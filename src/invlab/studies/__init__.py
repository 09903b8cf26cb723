"""Built-in study specs, shipped as TOML files (see :func:`invlab.study.list_builtin`)."""
