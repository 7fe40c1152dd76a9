"""The session's PostgreSQL server for the tests, and a fresh database for each test.

The server comes from :class:`clientvoice.testing.postgres.PostgresServer` (the machine's own
binaries, a temporary folder, a free loopback port). It starts the first time a test asks for
it and stops when the session ends. Each test gets its own database, copied from a template that
already holds the schema (copying is much faster than migrating). Without PostgreSQL binaries the
tests that need it are skipped, unless ``CLIENTVOICE_REQUIRE_POSTGRES=1`` makes that a failure.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from clientvoice.testing.postgres import PostgresNotFound, PostgresServer

TEMPLATE = "clientvoice_template"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL server with a migrated template database, for the whole session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (extra 'postgres')")
    try:
        server = PostgresServer.start()
    except PostgresNotFound as error:
        _unavailable(str(error))
    try:
        from clientvoice.stores.postgres import PostgresStore

        PostgresStore(server.create_database(TEMPLATE)).close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new database holding the current schema and nothing else."""
    name = f"test_{os.getpid()}_{next(_numbers)}"
    yield postgres_server.create_database(name, template=TEMPLATE)
    postgres_server.drop_database(name)


def _unavailable(reason: str) -> None:
    if os.environ.get("CLIENTVOICE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (CLIENTVOICE_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")
