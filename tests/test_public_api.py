"""The public surface: a curated __all__, one error hierarchy, typed package."""

from __future__ import annotations

import inspect
from pathlib import Path

import clientvoice
from clientvoice import errors


def test_every_exported_name_exists_and_nothing_public_is_missing():
    for name in clientvoice.__all__:
        assert hasattr(clientvoice, name), name
    public = {
        name
        for name, value in vars(clientvoice).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public == set(clientvoice.__all__) - {"__version__"}


def test_every_error_derives_from_the_one_base():
    for name in errors.__all__:
        error = getattr(errors, name)
        assert issubclass(error, clientvoice.ClientVoiceError)
        assert name in clientvoice.__all__


def test_the_package_is_typed():
    assert (Path(clientvoice.__file__).parent / "py.typed").exists()


def test_public_callables_have_docstrings():
    for name in clientvoice.__all__:
        value = getattr(clientvoice, name)
        if callable(value):
            assert inspect.getdoc(value), f"{name} has no docstring"
