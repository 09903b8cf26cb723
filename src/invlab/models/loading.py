"""Load a user's model (for ``invlab measure`` or any script), without unpickling untrusted
files: a library function; the command line only prints its errors.

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
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> source = "from torch import nn; build = lambda: nn.Linear(4, 2)"
        >>> _ = (folder / "net.py").write_text(source)
        >>> torch.save(nn.Linear(4, 2).state_dict(), folder / "w.pt")
        >>> model = load_model(f"{folder / 'net.py'}:build", folder / "w.pt")
        >>> model(torch.zeros(3, 4)).shape, model.training
        (torch.Size([3, 2]), False)
    """
    spec = str(spec)
    file, sep, factory = spec.rpartition(":")
    if spec.endswith(".py"):
        raise ValueError(
            f"--model {spec!r} is a Python file: name the function that builds the model, "
            f"FILE.py:FACTORY" + _callables_hint(Path(spec))
        )
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
    """Load a checkpoint into ``model`` (strict: every key must match).

    Args:
        model: the module to fill (not a TorchScript model: it carries its own weights).
        path: a ``torch.save`` file holding a state dict (a ``'module.'`` prefix, as
            ``nn.DataParallel`` writes, is dropped), possibly under ``'state_dict'``,
            ``'model_state_dict'`` or ``'model'``.
        trust_pickle: also accept a checkpoint that holds Python objects besides tensors
            (unpickling runs code: only for files you trust).
        map_location: where the tensors are loaded (``torch.load``'s ``map_location``).

    Returns:
        ``model``, its parameters and buffers replaced.
    """
    path = _existing(path, "weights")
    if isinstance(model, torch.jit.ScriptModule):
        raise ValueError("a TorchScript model carries its weights; drop --weights")
    if _is_torchscript(path):
        raise ValueError(
            f"--weights {str(path)!r} is a TorchScript model (torch.jit.save), not a checkpoint: "
            f"give it as --model {str(path)!r} (its weights are inside), or save a state dict "
            "with torch.save(model.state_dict(), PATH)"
        )
    obj = _torch_load(
        path, trust_pickle, map_location, f"checkpoint {str(path)!r} holds more than tensors"
    )
    state = _state_dict_in(obj, path)
    state = {k.removeprefix("module."): v for k, v in state.items()}  # nn.DataParallel
    _check_shapes(model, state, path)
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(
            f"checkpoint {str(path)!r} does not fit the model: missing keys "
            f"{result.missing_keys[:10]}, unexpected keys {result.unexpected_keys[:10]}"
        )
    return model


def _check_shapes(model: nn.Module, state: Mapping[str, torch.Tensor], path: Path) -> None:
    """Refuse a checkpoint whose tensors do not have the model's shapes, listing them (torch
    raises on them even with ``strict=False``, in a multi-line traceback)."""
    own = model.state_dict()
    wrong = [
        f"{key}: checkpoint {tuple(value.shape)}, model {tuple(own[key].shape)}"
        for key, value in state.items()
        if key in own and isinstance(value, torch.Tensor) and value.shape != own[key].shape
    ]
    if wrong:
        more = f" (and {len(wrong) - 10} more)" if len(wrong) > 10 else ""
        raise ValueError(
            f"checkpoint {str(path)!r} does not fit the model: {len(wrong)} tensor(s) of "
            f"another shape: {'; '.join(wrong[:10])}{more}; was it saved from this "
            "architecture with the same sizes?"
        )


class UserCodeError(ValueError):
    """The user's model file or factory failed: the message names their file and line."""


def _user_code_error(err: BaseException, file: Path, doing: str) -> UserCodeError:
    """``err`` raised while ``doing``, located at its innermost frame in the user's ``file``
    (a syntax error at the line it names)."""
    if isinstance(err, SyntaxError):
        where = f"{err.filename or file}:{err.lineno}"
        return UserCodeError(f"{where}: syntax error while {doing}: {err.msg}")
    import traceback

    frames = traceback.extract_tb(err.__traceback__)
    mine = [f for f in frames if Path(f.filename).resolve() == file.resolve()]
    frame = (mine or frames or [None])[-1]
    where = f"{frame.filename}:{frame.lineno}" if frame is not None else str(file)
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return UserCodeError(f"{where}: {type(err).__name__} while {doing}: {message}".rstrip(": "))


def measure_device(device: str, name: str = "--device") -> torch.device:
    """The device to measure on: one that exists here and that holds values (not ``meta``).

    Args:
        device: a device name such as ``'cpu'``, ``'cuda'``, ``'cuda:1'`` or ``'mps'``.
        name: the argument's name in error messages (the command-line option by default).

    Examples:
        >>> measure_device("cpu")
        device(type='cpu')
    """
    from invlab._validation import check_device

    dev = check_device(device, name)
    if dev.type == "meta":
        raise ValueError(
            f"{name} {device!r}: meta tensors have shapes but no values, so nothing can be "
            "measured there; use cpu, cuda or mps"
        )
    return dev


def _from_python(file: Path, factory: str) -> nn.Module:
    file = _existing(file, "model file")
    if not factory.isidentifier():
        raise ValueError(f"FACTORY in FILE.py:FACTORY must be a Python name, got {factory!r}")
    name = "invlab_user_model_" + hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:10]
    module_spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        module_spec.loader.exec_module(module)
    except Exception as err:  # the user's code: say where, in one line
        sys.modules.pop(name, None)
        raise _user_code_error(err, file, f"importing {file.name}") from None
    build = getattr(module, factory, None)
    if not callable(build):
        available = sorted(k for k, v in vars(module).items() if callable(v) and k[0] != "_")
        raise ValueError(
            f"{str(file)!r} has no callable {factory!r}; callables there: {', '.join(available)}"
        )
    try:
        model = build()
    except Exception as err:
        raise _user_code_error(err, file, f"running {factory}()") from None
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


def model_label(spec: str | Path) -> str:
    """A short name for the model ``spec`` names: the factory of ``FILE.py:FACTORY``, else the
    file's stem (what the ``model`` column of a measurement shows).

    Args:
        spec: a model as :func:`load_model` takes it (``FILE.py:FACTORY``, ``FILE.pt``, ...).

    Examples:
        >>> model_label("nets/small.py:build"), model_label("runs/cnn.pt")
        ('build', 'cnn')
    """
    spec = str(spec)
    file, sep, factory = spec.rpartition(":")
    if sep and file.endswith(".py"):
        return factory
    return Path(spec).stem


def _callables_hint(file: Path) -> str:
    """``'; FILE defines: a, b'`` from the file's top-level functions (parsed, not run)."""
    import ast

    try:
        tree = ast.parse(file.read_text())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ""
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    ]
    return f"; {file.name} defines: {', '.join(names)}" if names else ""


def _torch_load(path: Path, trust_pickle: bool, map_location, refused: str):
    """``torch.load`` with ``weights_only=True``, the one way files are read here.

    A file that holds more than tensors and plain containers is refused with ``refused`` and
    the reason, unless ``trust_pickle`` (then it is unpickled, which runs its code).
    """
    if not _is_torch_file(path):
        raise ValueError(
            f"{str(path)!r} is not a file written by torch.save (neither its zip archive nor a "
            f"legacy pickle): is it the right file, complete and not corrupted?"
        )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if "Weights only load failed" not in str(err):
            raise ValueError(
                f"{str(path)!r} cannot be read as a torch.save file ({_first_line(err)}): is it "
                f"complete and not corrupted?"
            ) from None
        if not trust_pickle:
            raise ValueError(f"{refused} ({_first_line(err)}); {TRUST_HINT}") from None
    return torch.load(path, map_location=map_location, weights_only=False)


def _is_torch_file(path: Path) -> bool:
    """``torch.save`` writes a zip archive (since 1.6) or, legacy, a pickle (protocol 2+)."""
    with open(path, "rb") as f:
        head = f.read(2)
    return zipfile.is_zipfile(path) or (len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5)


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
