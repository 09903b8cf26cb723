"""Load a user's model for ``invlab measure``, without unpickling untrusted files.

Three ways to name a model:

* ``FILE.py:FACTORY``: the Python file is imported and ``FACTORY()`` builds the module (the
  user runs their own code, as with ``python FILE.py``); weights come from ``--weights``.
* ``MODEL.pt`` saved with ``torch.jit.save`` (TorchScript): loaded with ``torch.jit.load``.
* ``MODEL.pt`` saved with ``torch.save(model)`` (a pickled whole model): unpickling runs
  arbitrary code stored in the file, so it is refused unless ``trust_pickle=True``.

Checkpoints load with ``torch.load(..., weights_only=True)``, which only rebuilds tensors and
plain containers; a checkpoint that holds other Python objects is refused the same way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import pickle
import re
import sys
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

TRUST_HINT = (
    "loading it would unpickle Python objects, which can run any code stored in the file; "
    "if you wrote the file or trust its source, pass trust_pickle=True (--trust-pickle)"
)


def load_model(
    spec: str | Path,
    weights: str | Path | None = None,
    *,
    trust_pickle: bool = False,
    map_location: str | torch.device = "cpu",
) -> nn.Module:
    """Build or load the model that ``spec`` names, in evaluation mode.

    Args:
        spec: ``'path/to/file.py:factory'``, a TorchScript file or (with ``trust_pickle``) a
            pickled whole model.
        weights: a checkpoint (a state dict, or a dict holding one under ``state_dict``,
            ``model_state_dict`` or ``model``) loaded into the model.
        trust_pickle: allow unpickling arbitrary Python objects from ``spec`` or ``weights``.
        map_location: where tensors are loaded.

    Examples:
        >>> model = load_model("my_models.py:build", "checkpoint.pt")  # doctest: +SKIP
    """
    spec = str(spec)
    file, sep, factory = spec.rpartition(":")
    if sep and file.endswith(".py"):
        model = _from_python(Path(file), factory)
    else:
        model = _from_archive(Path(spec), trust_pickle, map_location, has_weights=bool(weights))
    if weights is not None:
        load_weights(model, weights, trust_pickle=trust_pickle, map_location=map_location)
    return model.eval()


def load_weights(
    model: nn.Module,
    path: str | Path,
    *,
    trust_pickle: bool = False,
    map_location: str | torch.device = "cpu",
) -> nn.Module:
    """Load a checkpoint into ``model`` (strict: every key must match)."""
    path = _existing(path, "weights")
    if isinstance(model, torch.jit.ScriptModule):
        raise ValueError("a TorchScript model carries its weights; drop --weights")
    obj = _torch_load(
        path, trust_pickle, map_location, f"checkpoint {str(path)!r} holds more than tensors"
    )
    state = _state_dict_in(obj, path)
    state = {k.removeprefix("module."): v for k, v in state.items()}  # nn.DataParallel
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(
            f"checkpoint {str(path)!r} does not fit the model: missing keys "
            f"{result.missing_keys[:10]}, unexpected keys {result.unexpected_keys[:10]}"
        )
    return model


def _from_python(file: Path, factory: str) -> nn.Module:
    file = _existing(file, "model file")
    if not factory.isidentifier():
        raise ValueError(f"FACTORY in FILE.py:FACTORY must be a Python name, got {factory!r}")
    name = "invlab_user_model_" + hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:10]
    module_spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    module_spec.loader.exec_module(module)
    build = getattr(module, factory, None)
    if not callable(build):
        available = sorted(k for k, v in vars(module).items() if callable(v) and k[0] != "_")
        raise ValueError(
            f"{str(file)!r} has no callable {factory!r}; callables there: {', '.join(available)}"
        )
    model = build()
    if not isinstance(model, nn.Module):
        raise TypeError(f"{factory}() must return a torch.nn.Module, got {type(model).__name__}")
    return model


def _from_archive(path: Path, trust_pickle: bool, map_location, has_weights: bool) -> nn.Module:
    path = _existing(path, "model")
    if _is_torchscript(path):
        with warnings.catch_warnings():
            # TorchScript is deprecated upstream, but models saved with it still need loading.
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(path), map_location=map_location)
    try:
        obj = _torch_load(
            path,
            trust_pickle,
            map_location,
            f"{str(path)!r} is not TorchScript but a pickled object",
        )
    except ValueError:  # refused by _torch_load, with its reason
        raise
    except Exception as err:
        raise ValueError(
            f"{str(path)!r} is neither a TorchScript file nor a torch.save archive: {err}"
        ) from None
    if isinstance(obj, nn.Module):
        return obj
    if isinstance(obj, Mapping):
        raise ValueError(
            f"{str(path)!r} holds weights, not a model; name the architecture with "
            f"--model FILE.py:FACTORY and pass this file as --weights"
            + (" (and drop the extra --weights)" if has_weights else "")
        )
    raise TypeError(f"{str(path)!r} holds a {type(obj).__name__}, not a torch.nn.Module")


def _torch_load(path: Path, trust_pickle: bool, map_location, refused: str):
    """``torch.load`` with ``weights_only=True``, the one way files are read here.

    A file that holds more than tensors and plain containers is refused with ``refused`` and
    the reason, unless ``trust_pickle`` (then it is unpickled, which runs its code).
    """
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if not trust_pickle:
            raise ValueError(f"{refused} ({_first_line(err)}); {TRUST_HINT}") from None
    return torch.load(path, map_location=map_location, weights_only=False)


def _is_torchscript(path: Path) -> bool:
    """TorchScript archives are zip files with a ``constants.pkl`` and compiled ``code/``."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)


def _state_dict_in(obj, path: Path) -> Mapping[str, torch.Tensor]:
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            inner = obj.get(key)
            if isinstance(inner, Mapping):
                obj = inner
                break
            if isinstance(inner, nn.Module):
                return inner.state_dict()
        if all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
            return obj
    raise ValueError(
        f"checkpoint {str(path)!r} is not a state dict (a mapping of names to tensors, "
        f"possibly under 'state_dict', 'model_state_dict' or 'model')"
    )


def _existing(path, what: str) -> Path:
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist or is not a file")
    return path


def _first_line(err: Exception) -> str:
    """The part of torch's weights-only error that names the refused object."""
    text = str(err)
    match = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if match:
        return f"it refers to {match.group(1)}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else type(err).__name__
