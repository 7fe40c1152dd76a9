"""Every built-in store passes the same contract that third-party stores can run."""

from __future__ import annotations

import pytest

from clientvoice import MemoryStore, SQLiteStore
from clientvoice.testing import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self):
        with MemoryStore() as store:
            yield store


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        with SQLiteStore(tmp_path / "clientvoice.db") as store:
            yield store
