"""Shared fixtures. Entry-point autoloading is off unless a test turns it on, so the installed
example plugin does not change what other tests see."""

from __future__ import annotations

from pathlib import Path

import pytest

from _postgres import postgres_server, postgres_url  # noqa: F401  (fixtures for every test)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("CLIENTVOICE_BLOCK_PLUGINS", raising=False)
