"""Contract test suites for plugin authors: the same tests clientvoice runs on its own built-ins.

Subclass a contract in your test module and provide its fixtures; pytest collects every test of
the contract for your implementation::

    from clientvoice.testing import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            with MyStore(tmp_path / "db") as store:
                yield store

Needs pytest (``pip install "clientvoice[test]"``).
"""

from __future__ import annotations

from clientvoice.testing.channels import ChannelContract
from clientvoice.testing.stores import StoreContract, heard
from clientvoice.testing.surveys import SurveyBackendContract

__all__ = ["ChannelContract", "StoreContract", "SurveyBackendContract", "heard"]
