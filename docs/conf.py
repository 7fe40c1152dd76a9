"""Sphinx configuration of the clientvoice docs: furo, MyST Markdown pages, autodoc reference.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (``make docs``).
"""

from __future__ import annotations

import enum
import sys
from datetime import date
from pathlib import Path
from typing import Any

# Build from a checkout even when clientvoice is not installed (autodoc imports it).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import attrs

import clientvoice

project = "clientvoice"
author = "The clientvoice developers"
copyright = f"{date.today().year}, {author}"
release = clientvoice.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# Markdown pages: anchors for headings down to level 3, so pages can link to sections.
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]

# The reference is generated from the docstrings, which use reST field lists (:param x:).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": True}
nitpicky = False

html_theme = "furo"
html_title = f"clientvoice {release}"


def setup(app: Any) -> None:
    app.connect("autodoc-process-signature", _signature)
    app.connect("autodoc-process-docstring", _docstring)


def _signature(
    app: Any,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str, str | None] | None:
    """Readable class signatures.

    attrs generates ``__init__`` with converter types (``Any``) and factory defaults (``NOTHING``);
    show each field's declared type and default instead. Protocols get no signature at all: they
    are never instantiated.
    """
    if what not in ("class", "exception") or not isinstance(obj, type):
        return None
    if getattr(obj, "_is_protocol", False):
        return "", None
    if not attrs.has(obj):
        return None
    params = []
    for field in attrs.fields(obj):
        if not field.init:
            continue
        text = f"{field.alias or field.name}: {_type_text(field.type)}"
        default = field.default
        if isinstance(default, attrs.Factory):
            if not default.takes_self:
                text += f" = {_value_text(default.factory())}"
        elif default is not attrs.NOTHING:
            text += f" = {_value_text(field.default)}"
        params.append(text)
    return f"({', '.join(params)})", return_annotation


def _type_text(annotation: Any) -> str:
    return (
        annotation
        if isinstance(annotation, str)
        else getattr(annotation, "__name__", repr(annotation))
    )


def _value_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def _docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """Docstrings of data re-exported by ``clientvoice``.

    A module-level constant's documentation is the string under its assignment, which autodoc finds
    only in the module that assigns it. For ``clientvoice.hookimpl`` it would otherwise show the
    docstring of pluggy's marker class, so take it from the module that defines the name.
    """
    if what != "data" or not name.startswith("clientvoice."):
        return
    from sphinx.pycode import ModuleAnalyzer

    attribute = name.rsplit(".", 1)[1]
    for module_name, module in sorted(sys.modules.items()):
        if (
            not module_name.startswith("clientvoice.")
            or getattr(module, attribute, None) is not obj
        ):
            continue
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # a module without source: nothing to find
            continue
        found = docs.get(("", attribute))
        if found:
            lines[:] = list(found)
            return
