"""Every module that src/invlab imports is declared (#19 §1): a plain ``pip install invlab``
(no extras) must never meet an undeclared import. The source is scanned (AST: top-level and
function-level imports alike) and each third-party module is checked against pyproject's
``dependencies``; the optional extras' modules (dask, pyarrow) may only be imported inside a
function, behind an ``except ImportError`` that tells the user to ``pip install 'invlab[NAME]'``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib

import pytest

from _paths import REPO

SOURCE = REPO / "src" / "invlab"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

# distribution name → the top-level modules it installs, where they differ from the name
IMPORT_NAMES = {
    "scikit-learn": {"sklearn"},
    "scikit-image": {"skimage"},
    "pyyaml": {"yaml"},
    "pillow": {"PIL"},
    "websocket-client": {"websocket"},
}


def _distribution(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower()


def _modules(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = _distribution(requirement)
        names |= IMPORT_NAMES.get(name, {name.replace("-", "_")})
        # an extra of a dependency that is a package of its own: dask[distributed]
        for extra in re.findall(r"\[([^\]]*)\]", requirement.split(";")[0])[:1]:
            names |= {e.strip().replace("-", "_") for e in extra.split(",")} & {"distributed"}
    return names


REQUIRED = _modules(PYPROJECT["project"]["dependencies"])
EXTRAS = {
    extra: _modules(requirements)
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items()
    if extra != "test"
}


def imports(tree: ast.AST) -> list[tuple[str, ast.AST, bool]]:
    """(top-level module, node, inside a function) for every absolute import of ``tree``."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], child, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], child, in_function))
            visit(child, inner)

    visit(tree, False)
    return found


def _guarded_with_install_hint(tree: ast.AST, node: ast.AST, extra: str) -> bool:
    """``node`` sits in a ``try`` whose ``except ImportError`` names ``invlab[extra]``."""
    for handler_owner in ast.walk(tree):
        if not isinstance(handler_owner, ast.Try):
            continue
        if not any(node is inner for stmt in handler_owner.body for inner in ast.walk(stmt)):
            continue
        for handler in handler_owner.handlers:
            names = ast.unparse(handler.type) if handler.type else ""
            if "ImportError" in names and f"invlab[{extra}]" in ast.unparse(handler):
                return True
    return False


def _scan():
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module, node, in_function in imports(tree):
            yield path.relative_to(SOURCE.parent), tree, module, node, in_function


def test_the_scan_sees_imports_at_every_level():
    tree = ast.parse("import a.b\nfrom c import d\ndef f():\n    import e\n    from . import g\n")
    assert [(m, inside) for m, _, inside in imports(tree)] == [
        ("a", False),
        ("c", False),
        ("e", True),
    ]


def test_every_import_is_the_standard_library_invlab_or_a_declared_dependency():
    undeclared = []
    for path, _tree, module, node, _ in _scan():
        allowed = module in sys.stdlib_module_names or module == "invlab"
        allowed = allowed or module in REQUIRED or any(module in m for m in EXTRAS.values())
        if not allowed:
            undeclared.append(f"{path}:{node.lineno}: import {module}")
    assert not undeclared, "undeclared imports (add them to pyproject's dependencies):\n" + (
        "\n".join(undeclared)
    )


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_an_extra_is_imported_lazily_with_an_install_hint(extra):
    misplaced = []
    uses = 0
    for path, tree, module, node, in_function in _scan():
        if module not in EXTRAS[extra] or module in REQUIRED:
            continue
        uses += 1
        if not in_function:
            misplaced.append(f"{path}:{node.lineno}: {module} imported at module level")
        elif not _guarded_with_install_hint(tree, node, extra):
            misplaced.append(
                f"{path}:{node.lineno}: {module} imported without "
                f"`except ImportError: ... pip install 'invlab[{extra}]'`"
            )
    assert uses, f"extra {extra!r} is declared but nothing in src/invlab imports it"
    assert not misplaced, "\n".join(misplaced)


def test_the_scan_catches_an_undeclared_import():
    # click was imported by invlab/cli/__init__.py while only typer's old versions pulled it in
    assert "click" not in REQUIRED and "click" not in sys.stdlib_module_names
    assert {"sklearn", "skimage", "torch", "typer"} <= REQUIRED
