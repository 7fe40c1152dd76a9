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


def test_an_answer_posted_by_pollster_is_stored_once_however_often_it_is_delivered():
    from datetime import datetime, timedelta, timezone

    import clientvoice_pollster

    from clientvoice.surveys import InvitationPolicy, Occasion, TokenSigner, nps_survey
    from clientvoice.surveys.service import Surveys

    now = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
    backend = clientvoice_pollster.PollsterBackend(
        "https://pollster.example/s/42", secret="pollster-shared-secret"
    )
    with clientvoice.Listener.open("memory://", autoload=False) as listener:
        surveys = Surveys(
            listener.store,
            signer=TokenSigner("pollster-example-key-0123456789"),
            surveys=[nps_survey()],
            policies=[InvitationPolicy("nps", backend="pollster", quiet_hours=None)],
            backends=[backend],
        )
        (heard,) = listener.hear(
            "web",
            {
                "external_id": "order-1",
                "occurred_at": (now - timedelta(hours=3)).isoformat(),
                "customer": {"email": "ana@example.com", "consents": {"surveys": True}},
                "text": "Pedido entregado",
            },
        )
        decision = surveys.invite(Occasion(heard.customer, heard.interaction), now=now)
        token = surveys.signer.issue(decision.invitation)

        def post(response_id, score):
            body = json.dumps(
                {"response_id": response_id, "token": token, "answers": {"nps": score}}
            ).encode()
            signature = clientvoice_pollster.sign("pollster-shared-secret", body)
            headers = {"X-Pollster-Signature": signature}
            return surveys.answer(listener, "pollster", body, headers=headers, now=now)

        assert post("r-1", 9).stored == 1
        redelivered = post("r-1", 9)
        assert (redelivered.stored, redelivered.duplicates, redelivered.rejected) == (0, 1, ())
        (second,) = post("r-2", 2).rejected
        assert "already used" in second.reason
        assert [f.nps for f in listener.store.iter_feedback(channel="survey")] == [9]
        assert listener.dead_letters(source="survey:pollster") == [second]
