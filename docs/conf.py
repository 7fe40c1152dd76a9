"""Sphinx configuration of the clientvoice docs: furo, MyST Markdown pages, autodoc reference.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (``make docs``).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

# Build from a checkout even when clientvoice is not installed (it is imported for autodoc).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import clientvoice  # noqa: E402

project = "clientvoice"
author = "The clientvoice developers"
copyright = f"{date.today().year}, {author}"  # noqa: A001
release = clientvoice.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# Markdown: anchors for headings down to level 3, so pages can link to sections.
myst_heading_anchors = 3

# Reference: generated from the docstrings, which use reST field lists (:param x:).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = False
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
}
nitpicky = False

html_theme = "furo"
html_title = f"clientvoice {release}"
html_static_path: list[str] = []
