"""The Pollster backend, tested as its users meet it: installed, and by the contract."""

from __future__ import annotations

import json

import pytest

import clientvoice
from clientvoice.testing.surveys import SurveyBackendContract


def test_an_installed_pollster_plugin_is_discovered_through_its_entry_point(monkeypatch):
    monkeypatch.delenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    with clientvoice.Listener.open("memory://") as listener:
        assert "pollster" in listener.survey_backends
        info = {p.name: p for p in listener.plugin_info()}["pollster"]
        assert info.source == "entrypoint"
        assert info.hooks == ("clientvoice_register_survey_backends",)


class TestPollsterContract(SurveyBackendContract):
    @pytest.fixture
    def backend(self):
        import clientvoice_pollster

        return clientvoice_pollster.PollsterBackend(
            "https://pollster.example/s/42", secret="pollster-shared-secret"
        )

    @pytest.fixture
    def respond(self):
        import clientvoice_pollster

        def respond(token, answers):
            body = json.dumps(
                {"response_id": "r-1", "token": token, "answers": dict(answers)}
            ).encode()
            signature = clientvoice_pollster.sign("pollster-shared-secret", body)
            return body, {"X-Pollster-Signature": signature}, body

        return respond
