"""Datasets as tensors, all generated or read locally (nothing is downloaded)."""

from invlab.data import datasets_2d as _datasets_2d  # noqa: F401  (registers the 2D sets)
from invlab.data.cache import cache_dir
from invlab.data.dataset import Dataset
from invlab.data.digits_sklearn import digits
from invlab.data.files import DataFileError, idx_dataset, npz_dataset, read_idx, write_idx
from invlab.data.glyphs import glyph_digits
from invlab.data.mnist1d_generator import mnist1d
from invlab.data.registry import list_datasets, load_dataset, register_dataset
from invlab.data.rendered import glyph_params, render_glyphs, rendered_digits
from invlab.data.textures_skimage import textures
from invlab.data.variants import rotated, scaled

__all__ = [
    "DataFileError",
    "Dataset",
    "cache_dir",
    "digits",
    "glyph_digits",
    "glyph_params",
    "idx_dataset",
    "list_datasets",
    "load_dataset",
    "mnist1d",
    "npz_dataset",
    "read_idx",
    "register_dataset",
    "render_glyphs",
    "rendered_digits",
    "rotated",
    "scaled",
    "textures",
    "write_idx",
]
