"""The model zoo: each module registers its builders with :func:`register_model`."""
