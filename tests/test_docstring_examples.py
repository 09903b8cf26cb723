"""The ``Examples:`` blocks of the invariants, transforms, layers and zoo run as written."""

import doctest
import importlib

import pytest

MODULES = [
    "invlab.invariants.bispectrum",
    "invlab.invariants.fourier",
    "invlab.invariants.fourier_mellin",
    "invlab.invariants.functional",
    "invlab.invariants.log_polar",
    "invlab.invariants.mellin",
    "invlab.invariants.registration",
    "invlab.transforms.compose",
    "invlab.transforms.deform",
    "invlab.transforms.rotate",
    "invlab.transforms.scale",
    "invlab.transforms.shift",
    "invlab.transforms.spec",
    "invlab.nn.blur_pool",
    "invlab.nn.group_conv",
    "invlab.nn.groups",
    "invlab.nn.learned_augment",
    "invlab.nn.lp_pool",
    "invlab.nn.multiscale",
    "invlab.nn.symmetrize",
    "invlab.kernels.parameterisations",
    "invlab.models.loading",
    "invlab.models.registry",
    "invlab.models.staged",
    "invlab.models.zoo.conv",
    "invlab.study.spec.builtin",
    "invlab.study.runs.registry",
    "invlab.study.execution.runner",
    "invlab.study.spec.study_file",
    "invlab.study.store.database",
    "invlab.study.store.read",
    "invlab.study.report.html",
    "invlab.study.report.summary",
    "invlab.study.stats",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"torch": importlib.import_module("torch")})
    assert result.attempted > 0 and result.failed == 0
