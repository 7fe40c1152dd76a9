"""Fixtures: the feedback application served on a free port, and a headless Chromium."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CLIENTVOICE_CHROMIUM", "/usr/bin/chromium")  # never downloaded
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytest.importorskip("flask")
try:  # installed with `pip install -e examples/feedback-webapp`; else straight from the folder
    import feedback_webapp  # noqa: F401
except ImportError:
    sys.path.insert(0, str(EXAMPLE / "src"))


@pytest.fixture(autouse=True)
def _no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("CLIENTVOICE_BLOCK_PLUGINS", raising=False)


SECRET = "test only: a secret for the session cookie and the survey links"


class Server:
    """The application, served by werkzeug in a background thread.

    The server takes its port before the application is made, so that the application can be
    told its own address (survey links point to it): set :attr:`app` before the first request.
    """

    def __init__(self, app: Any = None) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self._server = make_server("127.0.0.1", 0, self._dispatch)  # port 0: any free port
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'feedback.db'}"


@pytest.fixture
def serve(store_url: str) -> Iterator[Callable[..., Server]]:
    """Starts the application with the given ``create_app`` options; stops it after the test."""
    from feedback_webapp import create_app, listener_of

    started: list[Server] = []

    def start(**options: Any) -> Server:
        running = Server().__enter__()
        started.append(running)
        running.app = create_app(store_url, secret_key=SECRET, public_url=running.url, **options)
        return running

    try:
        yield start
    finally:
        for running in started:
            running.__exit__()
            if running.app is not None:
                listener_of(running.app).close()


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    return serve()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium; the tests that need it skip when it is missing, unless
    ``CLIENTVOICE_REQUIRE_CHROMIUM=1`` says it must be there."""
    required = os.environ.get("CLIENTVOICE_REQUIRE_CHROMIUM") == "1"
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed"
    if missing is None and not Path(CHROMIUM).is_file():
        missing = f"no Chromium at {CHROMIUM}"
    if missing is not None:
        if required:
            pytest.fail(f"CLIENTVOICE_REQUIRE_CHROMIUM=1 but {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
