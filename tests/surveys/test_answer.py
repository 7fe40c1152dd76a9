"""``Surveys.answer``: one call verifies, checks, stores and uses up, and no crash loses an answer.

The crash tests kill a real Python process at the instant named (``os._exit`` from a plugin hook
that runs at that point of the answer), then look at the SQLite file it left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import (
    ConfigurationError,
    Listener,
    MemoryStore,
    PluginError,
    SQLiteStore,
)
from clientvoice.models import MessageKind
from clientvoice.stores.base import Store
from clientvoice.surveys import InvitationPolicy, SurveyResponse, TokenSigner, Trigger, nps_survey
from clientvoice.surveys.delighted import DelightedBackend, sign_delighted
from clientvoice.surveys.invitations import Invitation
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.service import Surveys, answer_external_id, later_words_external_id
from clientvoice.surveys.typeform import TypeformBackend, sign_typeform

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
KEY = "answer-test-key-0123456789abcdef"
SECRET = "whsec-answer-0123456789abcdef"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "surveys"


class Batch:
    """A survey backend whose tool posts several responses at once: a JSON list of
    ``{"token": ..., "answers": {...}}`` (a third party's backend, as a host would write it)."""

    name = "batch"

    def invite(self, invitation: Invitation, token: str, survey: Any) -> Any:
        raise NotImplementedError("this tool is only ever posted to")

    def parse(self, payload: Any, headers: Mapping[str, str]) -> Sequence[SurveyResponse]:
        return [SurveyResponse(item["token"], item["answers"]) for item in json.loads(payload)]


def make_surveys(store: Store) -> Surveys:
    return Surveys(
        store,
        signer=TokenSigner(KEY),
        surveys=[nps_survey()],
        policies=[InvitationPolicy("nps", trigger=Trigger(channels={"web"}), quiet_hours=None)],
        backends=[
            LinkBackend("https://shop.example/encuesta", ignore={"csrf_token"}),
            TypeformBackend("https://acme.typeform.com/to/lT4Z3j", secret=SECRET),
            DelightedBackend(SECRET),
            Batch(),
        ],
    )


def order(email: str) -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": f"order-{email}",
        "occurred_at": (NOW - timedelta(hours=3)).isoformat(),
        "customer": {"email": email, "language": "es", "consents": {"surveys": True}},
        "text": "Pedido entregado",
    }


def invite(store: Store, *emails: str) -> list[str]:
    """Hear an order of each customer, invite them, and return the tokens of their links."""
    Listener(store, autoload=False).ingest([order(email) for email in emails])
    assert make_surveys(store).invite_after(NOW).sent == len(emails)
    tokens = []
    for email in emails:
        customer = store.find_customer("email", email)
        assert customer is not None
        (message,) = [
            stored.message
            for stored in store.iter_messages(customer_id=customer.id)
            if stored.message.kind is MessageKind.SURVEY_INVITATION
        ]
        link = next(word for word in message.body.split() if word.startswith("https://"))
        tokens.append(parse_qs(urlsplit(link).query)["token"][0])
    return tokens


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    with opened:
        yield opened


def answers_stored(store: Store) -> list[tuple[int | None, str]]:
    return [
        (f.nps, f.text) for f in store.iter_feedback() if f.interaction_id and f.nps is not None
    ]


def test_one_call_stores_the_answer_linked_to_what_it_asked_about(store: Store) -> None:
    (token,) = invite(store, "ana@example.com")
    listener = Listener(store, autoload=False)
    form = {"token": token, "nps": "9", "comment": "Rápido y amable", "csrf_token": "x1"}
    report = make_surveys(store).answer(listener, "link", form, now=NOW)
    assert (report.received, report.stored, report.duplicates, report.rejected) == (1, 1, 0, ())
    (feedback,) = store.iter_feedback(channel="survey")
    assert (feedback.nps, feedback.text) == (9, "Rápido y amable")
    interaction = store.get_interaction(feedback.interaction_id)
    (invitation,) = store.iter_invitations()
    assert interaction.external_id == answer_external_id(invitation) == f"link:{invitation.id}"
    kept = interaction.metadata["survey"]
    assert kept["about_interaction_id"] == invitation.interaction_id
    assert "csrf_token" not in json.dumps(kept)  # the host's own field is not an answer
    assert store.token_claimed_at(invitation.id) == NOW
    assert make_surveys(store).open_link(token, now=NOW).refused is not None


def test_a_second_answer_is_refused_as_already_used_and_dead_lettered(store: Store) -> None:
    (token,) = invite(store, "ana@example.com")
    listener = Listener(store, autoload=False)
    surveys = make_surveys(store)
    assert surveys.answer(listener, "link", {"token": token, "nps": "9"}, now=NOW).stored == 1
    again = surveys.answer(listener, "link", {"token": token, "nps": "2"}, now=NOW)
    assert (again.stored, again.duplicates) == (0, 0)
    (refused,) = again.rejected
    assert refused.field == "token" and "already used" in refused.reason
    assert listener.dead_letters(source="survey:link") == [refused]
    assert json.loads(refused.raw)["answers"] == {"nps": "2"}  # kept, so nothing is lost
    assert answers_stored(store) == [(9, "")]


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"nps": "9"}, "token", "carries no survey token"),
        ({"token": "cv1.nonsense", "nps": "9"}, "token", "not a clientvoice survey token"),
        ({"token": "TOKEN", "nps": "11"}, "answers.nps", "from 0 to 10"),
        ({"token": "TOKEN", "nps": "9", "coupon": "FREE"}, "answers", "coupon"),
    ],
)
def test_bad_answers_come_back_in_the_report_and_the_dead_letters(
    store: Store, form: dict[str, str], field: str, reason: str
) -> None:
    (token,) = invite(store, "ana@example.com")
    listener = Listener(store, autoload=False)
    surveys = make_surveys(store)
    form = {key: token if value == "TOKEN" else value for key, value in form.items()}
    report = surveys.answer(listener, "link", form, now=NOW)
    (refused,) = report.rejected
    assert (report.received, report.stored) == (1, 0)
    assert refused.field is not None and refused.field.startswith(field), refused
    assert reason in refused.reason
    assert listener.dead_letters() == [refused]
    # Nothing was used up: the customer corrects the answer and sends it again.
    (invitation,) = store.iter_invitations()
    assert store.token_claimed_at(invitation.id) is None
    assert surveys.answer(listener, "link", {"token": token, "nps": "7"}, now=NOW).stored == 1


def test_expired_forged_and_unknown_tokens_are_refused_with_the_reason(store: Store) -> None:
    (token,) = invite(store, "ana@example.com")
    (invitation,) = store.iter_invitations()
    listener = Listener(store, autoload=False)
    surveys = make_surveys(store)
    forged = TokenSigner("someone-else's-key-0123456789").issue(invitation)
    import attrs

    unknown = surveys.signer.issue(attrs.evolve(invitation, id="inv_never_sent"))
    cases = [
        (token, invitation.expires_at, "expired"),
        (forged, NOW, "bad signature"),
        (unknown, NOW, "unknown invitation"),
    ]
    for given_token, when, reason in cases:
        report = surveys.answer(listener, "link", {"token": given_token, "nps": "9"}, now=when)
        (refused,) = report.rejected
        assert reason in refused.reason and refused.field == "token"
    assert len(listener.dead_letters(source="survey:link")) == 3
    assert answers_stored(store) == []


def typeform_body(token: str, score: int, response_id: str) -> bytes:
    sample = json.loads((SAMPLES / "typeform" / "form_response.json").read_text())
    response = sample["form_response"]
    response["token"] = response_id
    response["hidden"] = {"token": token}
    response["answers"] = [
        {
            "type": "number",
            "number": score,
            "field": {"id": "f1", "type": "opinion_scale", "ref": "nps"},
        }
    ]
    return json.dumps(sample).encode()


def test_a_signed_backend_forged_webhook_is_a_rejection_and_a_redelivery_a_duplicate(
    store: Store,
) -> None:
    (token,) = invite(store, "ana@example.com")
    listener = Listener(store, autoload=False)
    surveys = make_surveys(store)
    body = typeform_body(token, 10, "resp-1")
    forged = surveys.answer(
        listener, "typeform", body, headers={"Typeform-Signature": sign_typeform("guess", body)}
    )
    (refused,) = forged.rejected
    assert (forged.received, forged.stored) == (1, 0)
    assert refused.field == "Typeform-Signature" and "does not match" in refused.reason
    assert listener.dead_letters(source="survey:typeform") == [refused]

    signed = {"Typeform-Signature": sign_typeform(SECRET, body)}
    assert surveys.answer(listener, "typeform", body, headers=signed, now=NOW).stored == 1
    # Typeform retries a delivery it thinks failed: the same response again is no new answer,
    # and no rejection either.
    redelivered = surveys.answer(listener, "typeform", body, headers=signed, now=NOW)
    assert (redelivered.stored, redelivered.duplicates, redelivered.rejected) == (0, 1, ())
    # A different response to the same invitation is a second answer: refused.
    other = typeform_body(token, 3, "resp-2")
    headers = {"Typeform-Signature": sign_typeform(SECRET, other)}
    second = surveys.answer(listener, "typeform", other, headers=headers, now=NOW)
    assert "already used" in second.rejected[0].reason
    assert answers_stored(store) == [(10, "")]
    (feedback,) = store.iter_feedback(channel="survey")
    survey = store.get_interaction(feedback.interaction_id).metadata["survey"]
    assert survey["response_id"] == "typeform:resp-1"


def delighted_webhook(
    token: str, score: int, comment: str | None, event: str
) -> tuple[bytes, dict[str, str]]:
    """Delighted's published webhook sample, as the tool would send it for our invitation."""
    sample = json.loads((SAMPLES / "delighted" / "survey_response_updated.json").read_text())
    sample["event_type"] = event
    data = sample["event_data"]
    data.update(score=score, comment=comment, additional_answers=[])
    data["person_properties"] = {"clientvoice_token": token}
    body = json.dumps(sample).encode()
    return body, {"X-Delighted-Webhook-Signature": sign_delighted(SECRET, body)}


def test_words_added_to_an_answered_survey_are_heard_not_dropped(store: Store) -> None:
    (token,) = invite(store, "ana@example.com")
    listener = Listener(store, autoload=False)
    surveys = make_surveys(store)

    def send(score: int, comment: str | None, event: str) -> Any:
        body, headers = delighted_webhook(token, score, comment, event)
        return surveys.answer(listener, "delighted", body, headers=headers, now=NOW)

    assert send(3, None, "survey_response.created").stored == 1
    # Minutes later the customer adds a comment: Delighted sends the same response, updated.
    added = send(3, "El repartidor fue muy grosero", "survey_response.updated")
    assert (added.stored, added.duplicates, added.rejected) == (1, 0, ())
    first, later = sorted(store.iter_feedback(channel="survey"), key=lambda f: f.text)
    assert (first.nps, first.text) == (3, "")
    assert (later.nps, later.text) == (None, "El repartidor fue muy grosero")  # counted once
    (invitation,) = store.iter_invitations()
    words = store.get_interaction(later.interaction_id)
    assert words.external_id == later_words_external_id(invitation, later.text)
    assert words.thread_id == store.get_interaction(first.interaction_id).id
    assert words.metadata["survey"]["adds_to"] == answer_external_id(invitation)
    # The same update again, or a changed score without new words: nothing new to hear.
    again = send(3, "El repartidor fue muy grosero", "survey_response.updated")
    rescored = send(5, "El repartidor fue muy grosero", "survey_response.updated")
    assert (again.stored, again.duplicates, rescored.stored, rescored.duplicates) == (0, 1, 0, 1)
    assert answers_stored(store) == [(3, "")]
    assert listener.dead_letters(source="survey:delighted") == []


def test_a_bad_response_in_a_batch_loses_nothing_else(store: Store) -> None:
    first, second, third = invite(store, "ana@example.com", "bo@example.com", "eva@example.com")
    listener = Listener(store, autoload=False)
    payload = json.dumps(
        [
            {"token": first, "answers": {"nps": 9}},
            {"token": second, "answers": {"nps": 42}},
            {"token": "forged", "answers": {"nps": 1}},
            {"token": third, "answers": {"nps": 0, "comment": "Nunca llegó"}},
        ]
    )
    report = make_surveys(store).answer(listener, "batch", payload, now=NOW)
    assert (report.received, report.stored) == (4, 2)
    assert [r.field for r in report.rejected] == ["answers.nps", "token"]
    assert len(listener.dead_letters(source="survey:batch")) == 2
    assert sorted(answers_stored(store)) == [(0, "Nunca llegó"), (9, "")]


def test_an_unreadable_payload_is_one_rejection(store: Store) -> None:
    listener = Listener(store, autoload=False)
    report = make_surveys(store).answer(listener, "link", b"\xff\xfe not utf-8", now=NOW)
    (refused,) = report.rejected
    assert (report.received, refused.field) == (1, "payload")
    assert listener.dead_letters() == [refused]


def test_a_misconfigured_call_raises(store: Store) -> None:
    surveys = make_surveys(store)
    with pytest.raises(PluginError, match="no survey backend 'nope'"):
        surveys.answer(Listener(store, autoload=False), "nope", {}, now=NOW)
    with pytest.raises(ConfigurationError, match="surveys' own store"):
        surveys.answer(Listener(MemoryStore(), autoload=False), "link", {}, now=NOW)


@settings(max_examples=60, deadline=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(["nps", "comment", "token", "csrf_token"]) | st.text(max_size=6),
        st.text(max_size=12) | st.lists(st.text(max_size=5), max_size=3),
    ),
    with_token=st.booleans(),
    twice=st.booleans(),
)
def test_any_posted_form_is_stored_once_or_refused_with_a_reason(
    fields: dict[str, Any], with_token: bool, twice: bool
) -> None:
    with MemoryStore() as store:
        (token,) = invite(store, "ana@example.com")
        if with_token:
            fields = {**fields, "token": token}
        listener = Listener(store, autoload=False)
        surveys = make_surveys(store)
        reports = [surveys.answer(listener, "link", fields, now=NOW) for _ in range(1 + twice)]
        for report in reports:
            assert report.received == 1
            assert report.stored + report.duplicates + len(report.rejected) == 1
            for refused in report.rejected:
                assert refused.reason and refused.source == "survey:link"
        assert sum(report.stored for report in reports) == len(answers_stored(store)) <= 1
        assert len(listener.dead_letters()) == sum(len(r.rejected) for r in reports)
        for nps, _text in answers_stored(store):
            assert nps is not None and 0 <= nps <= 10


# -- real processes on one SQLite file -------------------------------------------------------

ANSWER = """
import os, sys, time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, {tests!r})
from clientvoice import Listener, SQLiteStore, hookimpl
from test_answer import NOW, make_surveys

crash_at = sys.argv[3]


class Crash:
    @hookimpl
    def clientvoice_analyze_feedback(self, feedback, customer, analysis):
        if crash_at == "before-store":
            os._exit(3)  # the answer is being prepared: nothing is stored yet
        return None

    @hookimpl
    def clientvoice_on_event(self, event):
        if crash_at == "after-store" and event.type == "feedback.received":
            os._exit(3)  # the answer is committed; its token is not used up yet


go = Path(sys.argv[4]) if len(sys.argv) > 4 else None
while go is not None and not go.exists():
    time.sleep(0.001)
with SQLiteStore(sys.argv[1]) as store:
    listener = Listener(store, plugins=[Crash()], autoload=False)
    report = make_surveys(store).answer(
        listener, "link", {{"token": sys.argv[2], "nps": str(os.getpid() % 11)}}, now=NOW
    )
    print(report.stored, *(r.reason for r in report.rejected))
"""


def run_answer(path: Path, token: str, crash_at: str, go: Path | None = None) -> Any:
    script = ANSWER.format(tests=str(Path(__file__).parent))
    args = [sys.executable, "-c", script, str(path), token, crash_at]
    if go is not None:
        args.append(str(go))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("crash_at", ["before-store", "after-store"])
def test_a_crash_at_any_point_loses_no_answer_and_allows_no_second(
    tmp_path: Path, crash_at: str
) -> None:
    path = tmp_path / "crash.db"
    with SQLiteStore(path) as store:
        (token,) = invite(store, "ana@example.com")
        (invitation,) = store.iter_invitations()
    crashed = run_answer(path, token, crash_at)
    _out, err = crashed.communicate(timeout=60)
    assert crashed.returncode == 3, err
    with SQLiteStore(path) as store:
        listener = Listener(store, autoload=False)
        surveys = make_surveys(store)
        assert store.token_claimed_at(invitation.id) is None  # it died before using it up
        stored = answers_stored(store)
        opened = surveys.open_link(token, now=NOW)
        again = surveys.answer(listener, "link", {"token": token, "nps": "8"}, now=NOW)
        if crash_at == "before-store":
            assert stored == []  # nothing half-written: the customer answers again
            assert opened.refused is None
            assert (again.stored, again.rejected) == (1, ())
        else:
            assert len(stored) == 1  # the answer survived the crash
            assert opened.refused is not None and opened.refused.code == "used"
            (refused,) = again.rejected
            assert "already used" in refused.reason
        assert len(answers_stored(store)) == 1
        assert store.token_claimed_at(invitation.id) == NOW  # used up now, either way


def test_processes_answering_one_link_at_once_store_exactly_one_answer(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    with SQLiteStore(path) as store:
        (token,) = invite(store, "ana@example.com")
    go = tmp_path / "go"
    workers = [run_answer(path, token, "never", go) for _ in range(4)]
    time.sleep(1.0)  # let them all start and wait at the line
    go.touch()
    results = [worker.communicate(timeout=120) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in results]
    lines = sorted(out.strip() for out, _ in results)
    assert lines[-1] == "1", lines
    assert all(line.startswith("0 ") and "already used" in line for line in lines[:-1]), lines
    with SQLiteStore(path) as store:
        assert len(answers_stored(store)) == 1
        assert len(list(store.iter_rejections(source="survey:link"))) == 3
        (invitation,) = store.iter_invitations()
        assert store.token_claimed_at(invitation.id) is not None
    assert os.path.exists(path)
