"""The package's shape: no import cycle, layers import only downwards, no oversized file.

Imports are read from the source (module level and inside functions alike), so a cycle
hidden behind a function-level import is found as well as one that breaks at import time.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from _paths import SRC

PACKAGE = SRC / "invlab"

# DESIGN.md's layers: what each package may import from invlab (private top-level helpers
# such as invlab._validation and invlab._resample are open to all).
ALLOWED = {
    "transforms": set(),
    "invariants": set(),
    "kernels": {"transforms"},
    "nn": {"transforms", "invariants"},
    "models": {"nn", "invariants", "transforms"},
    "data": {"transforms"},  # the rotated / scaled dataset variants are built with transforms
    "train": {"transforms"},
    "measure": {"transforms"},
}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(source: str, package: list[str]) -> set[str]:
    """Every ``invlab`` module that ``source`` (a module of ``package``) imports, anywhere."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("invlab"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("invlab"):
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for m, p in files.items():
        package = list(p.relative_to(SRC).with_suffix("").parts)[:-1]
        graph[m] = {d for d in _imports(p.read_text(), package) if d in files and d != m}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_import_reader_sees_function_level_and_relative_imports():
    source = "def f():\n    from invlab.measure import profile\nfrom .core import g\n"
    found = _imports(source, ["invlab", "kernels"])
    assert {"invlab.measure", "invlab.measure.profile", "invlab.kernels.core"} <= found


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_invlab():
    graph = _graph()
    assert len(graph) > 50 and sum(map(len, graph.values())) > 100  # the reader found the code
    assert _cycles(graph) == []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_only_lower_layers(layer):
    graph = _graph()
    wrong = sorted(
        f"{m} imports {d}"
        for m, deps in graph.items()
        if m.split(".")[1:2] == [layer]
        for d in deps
        if len(d.split(".")) > 1
        and not d.split(".")[1].startswith("_")
        and d.split(".")[1] not in ALLOWED[layer] | {layer}
    )
    assert wrong == []


def test_no_source_file_over_the_limit():
    assert len(list(PACKAGE.rglob("*.py"))) > 50
    long = {
        str(p.relative_to(SRC)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


# study/'s stages: what each may import from the study package (DESIGN.md: spec → runs →
# execution → store → report). The report reads DataFrames from the store and never needs
# the run kinds or the executors. The spec's only later stage is the run-kind registry, which
# its validators ask (when a spec is validated) which models and size arguments a kind takes.
STUDY_STAGES = {
    "spec": {"runs"},
    "store": {"spec"},
    "runs": {"spec", "store"},
    "execution": {"spec", "store", "runs"},
    "report": {"store", "stats"},
    "stats": set(),
}


@pytest.mark.parametrize("stage", sorted(STUDY_STAGES))
def test_study_stages_import_only_earlier_stages(stage):
    graph = _graph()
    prefix = f"invlab.study.{stage}"
    wrong = sorted(
        f"{m} imports {d}"
        for m, deps in graph.items()
        if m == prefix or m.startswith(prefix + ".")
        for d in deps
        if d.startswith("invlab.study.") and d.split(".")[2] not in STUDY_STAGES[stage] | {stage}
    )
    assert wrong == []


def test_the_stage_rule_sees_a_report_that_imports_the_run_kinds():
    graph = {"invlab.study.report.html": {"invlab.study.runs.registry"}}
    stage = "report"
    wrong = [
        d for deps in graph.values() for d in deps if d.split(".")[2] not in STUDY_STAGES[stage]
    ]
    assert wrong == ["invlab.study.runs.registry"]


def _public_names(init: Path) -> set[str]:
    """Names a package's ``__init__`` makes public: imported or assigned, or lazily offered
    through a ``_LAZY`` mapping, without a leading underscore."""
    names: set[str] = set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "_LAZY":
                    names.update(ast.literal_eval(node.value))
                elif isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return {n for n in names if not n.startswith("_")}


def test_no_public_name_of_a_package_shadows_one_of_its_submodules():
    shadowed = []
    for init in PACKAGE.rglob("__init__.py"):
        folder = init.parent
        submodules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        submodules |= {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
        for name in sorted(_public_names(init) & submodules):
            shadowed.append(f"{init.relative_to(SRC)}: {name}")
    assert shadowed == []


def test_the_shadow_rule_reads_lazy_mappings(tmp_path):
    init = tmp_path / "__init__.py"
    init.write_text("from .a import sensitivity\n_LAZY = {'profile': 'x'}\n")
    assert _public_names(init) == {"sensitivity", "profile"}


def test_tests_mirror_the_package():
    """Every folder of tests/ is a package of src/invlab (tests/study/store/ tests
    invlab.study.store), and every test module is named test_<topic>.py."""
    tests = SRC.parent / "tests"
    for folder in sorted(p for p in tests.rglob("*") if p.is_dir() and p.name != "resources"):
        if folder.name.startswith((".", "_")):
            continue
        package = PACKAGE / folder.relative_to(tests)
        assert (package / "__init__.py").is_file(), (
            f"tests/{folder.relative_to(tests)} mirrors no package"
        )
    modules = [p for p in tests.rglob("*.py") if not p.name.startswith(("_", "conftest"))]
    assert modules and all(p.name.startswith("test_") for p in modules), [
        p for p in modules if not p.name.startswith("test_")
    ]


def test_every_test_file_named_in_the_docs_exists():
    """Docstrings and docs cite tests by path (``tests/measure/test_lie.py``); a moved or
    renamed test must not leave a dead reference behind (a peer's, ``kymatio/tests/...``,
    is not ours)."""
    repo = SRC.parent
    texts = [repo / "README.md", *sorted((repo / "docs").glob("*.md")), *sorted(SRC.rglob("*.py"))]
    named = {
        (path.name, ref)
        for path in texts
        for ref in re.findall(r"(?<![\w/])tests/[\w/]*test_\w+\.py", path.read_text())
    }
    missing = sorted((where, ref) for where, ref in named if not (repo / ref).is_file())
    assert not missing, missing
