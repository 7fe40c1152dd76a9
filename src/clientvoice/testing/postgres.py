"""A throwaway PostgreSQL server for tests and benchmarks, started from the machine's binaries.

:class:`PostgresServer` runs ``initdb`` in a temporary folder, starts ``postgres`` with
``pg_ctl`` on a free loopback port (its unix socket in the same folder, ``fsync`` off: the data
is thrown away anyway) and removes everything when stopped. As root it runs the server as the
``postgres`` user through ``runuser`` (PostgreSQL refuses to run as root). Plugin authors can
use it to test a store or a plugin against a real server::

    with PostgresServer.start() as server:
        url = server.create_database("mine")
        with PostgresStore(url) as store:
            ...
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgresNotFound", "PostgresServer", "find_postgres_bindir"]


class PostgresNotFound(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl) were found on this machine."""


def find_postgres_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None.

    Looks on ``PATH``, then asks ``pg_config --bindir``, then tries
    ``/usr/lib/postgresql/*/bin`` (newest version first), as Debian installs them.
    """
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and (Path(out) / "initdb").exists() and (Path(out) / "pg_ctl").exists():
            return Path(out)
    candidates = glob.glob("/usr/lib/postgresql/*/bin")
    for folder in sorted(candidates, key=_version_key, reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class PostgresServer:
    """A running throwaway PostgreSQL server; create it with :meth:`start`, end it with
    :meth:`stop` (or use it as a context manager).

    :ivar port: the loopback port it listens on.
    :ivar root: its temporary folder (data, socket, log).
    """

    def __init__(self, bindir: Path, root: Path, port: int, user: str | None) -> None:
        self.bindir = bindir
        self.root = root
        self.port = port
        self._user = user
        self._running = False

    @classmethod
    def start(cls, *, bindir: Path | None = None) -> PostgresServer:
        """Create a database cluster in a temporary folder and start a server on it.

        :raises PostgresNotFound: if the server binaries are not installed.
        :raises RuntimeError: if ``initdb`` or the server fails (the server log is included).
        """
        found = bindir if bindir is not None else find_postgres_bindir()
        if found is None or not all((found / name).exists() for name in ("initdb", "pg_ctl")):
            raise PostgresNotFound(
                "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH, through "
                "pg_config or in /usr/lib/postgresql/*/bin"
            )
        user = "postgres" if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="clientvoice-pg-"))
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(found, root, _free_port(), user)
        try:
            server._run(
                "initdb",
                "-D",
                str(server.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
            options = " ".join(
                [
                    f"-p {server.port}",
                    f"-k {server.root}",
                    "-c listen_addresses=127.0.0.1",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=200",
                    "-c shared_buffers=128MB",
                ]
            )
            server._run(
                "pg_ctl",
                "-D",
                str(server.data),
                "-l",
                str(server.log),
                "-o",
                options,
                "-w",
                "start",
            )
        except BaseException:
            server._remove()
            raise
        server._running = True
        return server

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.root / "data"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The connection URL of one database on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create a database (a copy of ``template`` if given) and return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template is not None:
                statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
            connection.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any session still connected to it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if self._running:
            self._running = False
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self._remove()

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PostgresServer(port={self.port}, root={str(self.root)!r})"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, cwd=self.root, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{log}"
            )

    def _remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _version_key(folder: str) -> tuple[int, ...]:
    version = Path(folder).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())
