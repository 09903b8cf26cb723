"""The built-in studies: spec files shipped in ``invlab/study/specs/`` (``invlab study --list``)."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from invlab.study.spec.run_config import StudySpec
from invlab.study.spec.study_file import SpecError, load_spec

DEFAULT = "size-vs-invariance"


def list_builtin() -> dict[str, Path]:
    """The built-in studies shipped with invlab: name → spec file."""
    folder = resources.files("invlab.study") / "specs"
    return {
        Path(item.name).stem: Path(str(item))
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".toml")
    }


def builtin_summaries() -> dict[str, tuple[str, str]]:
    """Name → (wall time, description) of every built-in study, read from the spec files
    without validating them (no torch import: ``invlab study --list`` answers at once)."""
    import tomllib

    summaries = {}
    for name, path in list_builtin().items():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        summaries[name] = (
            str(data.get("wall_time", "not measured")),
            " ".join(str(data.get("description", "")).split()),
        )
    return summaries


def load_builtin(name: str) -> StudySpec:
    """Load a built-in study by name (see :func:`list_builtin`).

    Args:
        name: the spec file's stem, e.g. ``'size-vs-invariance-quick'``.

    Raises:
        SpecError: ``name`` is not built in.

    Examples:
        >>> "size-vs-invariance-quick" in list_builtin()
        True
        >>> spec = load_builtin("size-vs-invariance-quick")
        >>> spec.name, len(spec.runs)
        ('size-vs-invariance-quick', 4)
    """
    builtin = list_builtin()
    if name not in builtin:
        close = difflib.get_close_matches(name, builtin, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SpecError(
            f"unknown built-in study {name!r}; {hint}allowed: {', '.join(builtin)} "
            "(or the path of a .toml spec file)"
        )
    return load_spec(builtin[name])


def builtin_study(name: str, quick: bool = False) -> StudySpec:
    """The built-in study ``name``, or its ``name-quick`` variant.

    Raises:
        SpecError: ``name`` is not built in, or has no quick variant.
    """
    if quick and not name.endswith("-quick"):
        quick_name = f"{name}-quick"
        if quick_name not in list_builtin():
            raise SpecError(
                f"study {name!r} has no quick variant; studies with one: "
                + ", ".join(n[: -len("-quick")] for n in list_builtin() if n.endswith("-quick"))
            )
        name = quick_name
    return load_builtin(name)


def size_vs_invariance(quick: bool = False) -> StudySpec:
    """Does size give invariance? MLPs of growing width and depth against architectures
    with invariance built in, each trained with and without shift augmentation on MNIST-1D,
    measured for shift invariance at every layer.

    ``quick=True`` is a tiny grid for tests and smoke runs (a few seconds). The grids live in
    ``invlab/study/specs/size-vs-invariance[-quick].toml``.
    """
    return builtin_study(DEFAULT, quick=quick)
