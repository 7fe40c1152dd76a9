"""Shared fixtures. Entry-point autoloading is off unless a test turns it on, so the installed
example plugin does not change what other tests see."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from _postgres import postgres_server, postgres_url  # noqa: F401  (fixtures for every test)

# Property tests explore new examples on every run on a developer's machine, so they keep finding
# bugs; CI (HYPOTHESIS_PROFILE=ci, set by .ci/run) replays the same examples every time, so a run
# is red only for a change, and a failure found locally is fixed with a regression test.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("CLIENTVOICE_BLOCK_PLUGINS", raising=False)
