"""SurveyBackendContract: what every survey backend plugin must do, as tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice.errors import SignatureError, ValidationError
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import Listener
from clientvoice.models import Consents, ContactPoint, Customer, Interaction
from clientvoice.stores.memory import MemoryStore
from clientvoice.surveys import (
    InvitationLink,
    InvitationPolicy,
    Occasion,
    SignedSurveyBackend,
    SurveyBackend,
    SurveyResponse,
    TokenSigner,
    nps_survey,
)
from clientvoice.surveys.service import Surveys

__all__ = ["Respond", "SurveyBackendContract"]

Respond = Callable[[str, Mapping[str, Any]], tuple[Any, dict[str, str], bytes]]
"""``respond(token, answers)`` → ``(payload, headers, body)``: what the backend's tool would post
for a response carrying ``token`` with ``answers`` (question id → value, e.g. ``{"nps": 9,
"comment": "..."}``), signed as the tool signs it; ``body`` is the raw request body."""

_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
_KEY = "contract-test-key-0123456789abcdef"
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


class SurveyBackendContract:
    """Tests every survey backend must pass. Provide two fixtures:

    ``backend``
        the configured backend under test (with its secret, if its tool signs requests);
    ``respond``
        a :data:`Respond` callable building what the tool posts back for a token and answers.

    The contract uses an NPS survey (question ids ``nps`` and ``comment``).
    """

    @pytest.fixture
    def backend(self) -> SurveyBackend:
        raise NotImplementedError("provide a 'backend' fixture")

    @pytest.fixture
    def respond(self) -> Respond:
        raise NotImplementedError("provide a 'respond' fixture")

    # -- registration -------------------------------------------------------------------------

    def test_it_has_a_lowercase_name_and_registers_through_the_hook(
        self, backend: SurveyBackend
    ) -> None:
        assert isinstance(backend.name, str)
        assert backend.name == backend.name.lower()
        assert callable(getattr(backend, "invite", None))
        assert callable(getattr(backend, "parse", None))

        class Plugin:
            @hookimpl
            def clientvoice_register_survey_backends(self, register: Any) -> None:
                register(backend)

        listener = Listener(plugins=[Plugin()], autoload=False)
        assert listener.survey_backends[backend.name] is backend

    # -- inviting -----------------------------------------------------------------------------

    def test_an_invitation_carries_its_token(self, backend: SurveyBackend) -> None:
        surveys, occasion = _setup(backend)
        invitation = surveys.decide(occasion, now=_NOW).invitation
        assert invitation is not None
        token = surveys.signer.issue(invitation)
        link = backend.invite(invitation, token, surveys.surveys["nps"])
        assert isinstance(link, InvitationLink)
        carried = (link.url or "") + json.dumps(link.payload or {})
        assert token in carried or token.replace(".", "%2E") in carried

    # -- answers ------------------------------------------------------------------------------

    def test_a_response_comes_back_with_its_token_and_answers(
        self, backend: SurveyBackend, respond: Respond
    ) -> None:
        payload, headers, _body = respond("cv1.token.sig", {"nps": 9, "comment": "Muy bien"})
        responses = backend.parse(payload, headers)
        assert len(responses) == 1
        response = responses[0]
        assert isinstance(response, SurveyResponse)
        assert response.token == "cv1.token.sig"
        answers = nps_survey().read_form(response.answers) if response.form else response.answers
        assert answers["nps"] == 9
        assert answers["comment"] == "Muy bien"

    def test_an_invited_customer_answers_once(
        self, backend: SurveyBackend, respond: Respond
    ) -> None:
        surveys, occasion = _setup(backend)
        decision = surveys.invite(occasion, now=_NOW)
        assert decision.invitation is not None
        token = surveys.signer.issue(decision.invitation)
        payload, headers, body = respond(token, {"nps": 3, "comment": "Lento"})
        later = _NOW + timedelta(days=1)
        first = surveys.receive(backend.name, payload, headers=headers, body=body, now=later)
        assert [record["nps"] for record in first.records] == [3]
        assert first.rejections == []
        again = surveys.receive(backend.name, payload, headers=headers, body=body, now=later)
        assert again.records == []
        assert "already used" in again.rejections[0].reason

    def test_a_forged_token_is_refused_with_the_reason(
        self, backend: SurveyBackend, respond: Respond
    ) -> None:
        surveys, _occasion = _setup(backend)
        payload, headers, body = respond("cv1.e30.Zm9yZ2Vk", {"nps": 10})
        received = surveys.receive(backend.name, payload, headers=headers, body=body, now=_NOW)
        assert received.records == []
        assert received.rejections[0].field == "token"

    def test_parse_never_crashes(self, backend: SurveyBackend) -> None:
        @settings(max_examples=60, deadline=None)
        @given(payload=_JSON | st.binary(max_size=200) | st.text(max_size=200))
        def check(payload: Any) -> None:
            try:
                responses = backend.parse(payload, {})
            except ValidationError:
                return
            assert all(isinstance(response, SurveyResponse) for response in responses)

        check()

    # -- signatures ---------------------------------------------------------------------------

    def test_signed_requests_are_checked(self, backend: SurveyBackend, respond: Respond) -> None:
        if not isinstance(backend, SignedSurveyBackend):
            pytest.skip("this backend's tool does not sign its requests")
        _payload, headers, body = respond("cv1.token.sig", {"nps": 9})
        backend.verify(headers, body)
        with pytest.raises(SignatureError):
            backend.verify(headers, body + b" ")
        with pytest.raises(SignatureError):
            backend.verify({}, body)


def _setup(backend: SurveyBackend) -> tuple[Surveys, Occasion]:
    store = MemoryStore()
    customer = Customer(
        id="cust-1",
        name="Ana",
        language="es",
        timezone="Europe/Madrid",
        contacts=(ContactPoint("email", "ana@example.com"), ContactPoint("phone", "+34600000000")),
        consents=Consents(surveys=True),
    )
    store.save_customer(customer)
    interaction = Interaction(
        id="int-1", customer_id="cust-1", channel="web", occurred_at=_NOW - timedelta(days=1)
    )
    surveys = Surveys(
        store,
        signer=TokenSigner(_KEY),
        surveys=[nps_survey()],
        policies=[InvitationPolicy("nps", backend=backend.name, quiet_hours=None)],
        backends=[backend],
    )
    return surveys, Occasion(customer, interaction)
