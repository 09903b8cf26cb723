"""Every ``Examples:`` block in invlab runs as written."""

import doctest
import importlib
from pathlib import Path

import pytest

import invlab

SRC = Path(invlab.__file__).parent


def _modules_with_examples() -> list[str]:
    """Every module of invlab whose source holds a ``>>>`` example: a new example is tested
    the moment it is written (no list to forget to extend)."""
    names = []
    for path in sorted(SRC.rglob("*.py")):
        if ">>>" in path.read_text():
            parts = path.relative_to(SRC.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _modules_with_examples()


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"torch": importlib.import_module("torch")})
    assert result.failed == 0
