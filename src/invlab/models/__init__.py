"""The model zoo, created by name (see :func:`create_model` and :func:`list_models`)."""

import importlib
import pkgutil

from invlab.models import zoo as _zoo
from invlab.models.loading import load_model, load_weights
from invlab.models.registry import (
    INPUTS,
    create_model,
    list_models,
    model_inputs,
    model_signature,
    register_model,
)
from invlab.models.staged import Staged, count_parameters, readout_input

# Importing every zoo module registers its models; a new file in zoo/ needs no edit here.
for _info in pkgutil.iter_modules(_zoo.__path__):
    importlib.import_module(f"{_zoo.__name__}.{_info.name}")

__all__ = [
    "INPUTS",
    "Staged",
    "count_parameters",
    "create_model",
    "list_models",
    "load_model",
    "load_weights",
    "model_inputs",
    "model_signature",
    "readout_input",
    "register_model",
]
