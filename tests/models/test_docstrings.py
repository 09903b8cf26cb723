"""Every public function and class of ``invlab.models`` documents its arguments (``Args:``);
the study's entry points show an ``Examples:`` block."""

import importlib
import inspect
import pkgutil

import pytest

import invlab.models


def _public_callables():
    found = []
    for info in pkgutil.walk_packages(invlab.models.__path__, "invlab.models."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            defined_here = getattr(obj, "__module__", None) == module.__name__
            if name.startswith("_") or not defined_here:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.append(pytest.param(obj, id=f"{info.name}.{name}"))
    return found


def _arguments(obj) -> list[str]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return []
    return [p for p in params if p not in ("self", "args", "kwargs")]


@pytest.mark.parametrize("obj", _public_callables())
def test_public_models_api_documents_its_arguments(obj):
    if _arguments(obj):
        assert "Args:" in (inspect.getdoc(obj) or "")


def test_the_walk_finds_the_zoo_and_the_loaders():
    names = {p.id for p in _public_callables()}
    assert {"invlab.models.zoo.conv.cnn", "invlab.models.loading.load_model"} <= names


@pytest.mark.parametrize(
    "path",
    [
        "invlab.study.execution.runner:run_study",
        "invlab.study.spec.study_file:load_spec",
        "invlab.study.store.database:ResultStore",
        "invlab.study.store.read:read_study",
        "invlab.study.report.html:write_report",
    ],
)
def test_study_entry_points_have_an_example(path):
    module, name = path.split(":")
    assert "Examples:" in inspect.getdoc(getattr(importlib.import_module(module), name))
