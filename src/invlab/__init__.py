"""invlab: build and measure invariance in neural networks."""

__version__ = "0.1.0"
