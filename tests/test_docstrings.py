"""Every example in a docstring of the package runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import clientvoice

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(clientvoice.__path__, prefix="clientvoice.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring examples failed in {name}"


def test_the_modules_with_examples_are_found() -> None:
    assert {"clientvoice.listener", "clientvoice.workflow.calendar"} <= set(MODULES)
