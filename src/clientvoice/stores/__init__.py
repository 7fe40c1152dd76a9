"""Stores: where clientvoice keeps what it heard and did; open one with :func:`open_store`.

=============================  ==============================================================
URL                            store
=============================  ==============================================================
``memory://``                  :class:`MemoryStore`, in this process only
``sqlite:///relative/path.db`` :class:`SQLiteStore`, the embedded default (note three slashes)
``sqlite:////abs/path.db``     :class:`SQLiteStore` with an absolute path (four slashes)
``postgresql://user@host/db``  :class:`~clientvoice.stores.postgres.PostgresStore` (extra
                               ``postgres``); ``postgres://`` works too
=============================  ==============================================================
"""

from __future__ import annotations

from clientvoice.errors import ConfigurationError
from clientvoice.stores.base import IngestResult, Store, StoredEvent, StoredMessage
from clientvoice.stores.memory import MemoryStore
from clientvoice.stores.sqlite import SQLiteStore

__all__ = [
    "IngestResult",
    "MemoryStore",
    "SQLiteStore",
    "Store",
    "StoredEvent",
    "StoredMessage",
    "open_store",
]


def open_store(url: str) -> Store:
    """Open the store a URL names (see the table above).

    :raises ConfigurationError: for a URL no store understands.
    """
    if url in ("memory://", "memory:"):
        return MemoryStore()
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise ConfigurationError(f"store URL {url!r} has no file path (sqlite:///path.db)")
        return SQLiteStore(path)
    if url.startswith(("postgresql://", "postgres://")):
        from clientvoice.stores.postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite://"):
        raise ConfigurationError(
            f"store URL {url!r}: write sqlite:///relative.db or sqlite:////absolute/path.db"
        )
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise ConfigurationError(
        f"no store understands {url!r} (scheme {scheme!r}); use 'memory://', 'sqlite:///path.db' "
        "or 'postgresql://...'"
    )
