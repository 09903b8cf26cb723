"""invlab: build and measure invariance in neural networks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("invlab")  # the installed distribution's, so it cannot drift
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
