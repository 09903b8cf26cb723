"""Datasets as tensors, all generated or read locally (nothing is downloaded)."""

from invlab.data.cache import cache_dir
from invlab.data.dataset import Dataset
from invlab.data.digits import digits
from invlab.data.mnist1d import mnist1d
from invlab.data.registry import list_datasets, load_dataset, register_dataset

__all__ = [
    "Dataset",
    "cache_dir",
    "digits",
    "list_datasets",
    "load_dataset",
    "mnist1d",
    "register_dataset",
]
