"""The built-in studies: spec files shipped in ``invlab/studies/`` (see ``invlab study --list``)."""

from __future__ import annotations

from invlab.study.spec import StudySpec
from invlab.study.spec_file import list_builtin, load_builtin

DEFAULT = "size-vs-invariance"


def size_vs_invariance(quick: bool = False) -> StudySpec:
    """Does size give invariance? MLPs of growing width and depth against architectures
    with invariance built in, each trained with and without shift augmentation on MNIST-1D,
    measured for shift invariance at every layer.

    ``quick=True`` is a tiny grid for tests and smoke runs (a few seconds). The grids live in
    ``invlab/studies/size-vs-invariance[-quick].toml``.
    """
    return builtin_study(DEFAULT, quick=quick)


def builtin_study(name: str, quick: bool = False) -> StudySpec:
    """The built-in study ``name``, or its ``name-quick`` variant.

    Raises:
        SpecError: ``name`` is not built in, or has no quick variant.
    """
    from invlab.study.spec_file import SpecError

    if quick and not name.endswith("-quick"):
        quick_name = f"{name}-quick"
        if quick_name not in list_builtin():
            raise SpecError(
                f"study {name!r} has no quick variant; studies with one: "
                + ", ".join(n[: -len("-quick")] for n in list_builtin() if n.endswith("-quick"))
            )
        name = quick_name
    return load_builtin(name)


# Kept for callers of the first release: name -> function(quick) returning the spec.
BUILTIN = {DEFAULT: size_vs_invariance}
