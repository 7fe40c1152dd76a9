"""The survey page's server side through Flask's test client: runs where no browser is installed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientvoice import Listener, ManualClock
from clientvoice.models import MessageKind
from clientvoice.surveys import Occasion

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SECRET = "test only: a secret for the session cookie and the survey links"
PUBLIC = "https://shop.example"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def app(store_url: str, clock: ManualClock) -> Iterator[Any]:
    from feedback_webapp import create_app, listener_of

    made = create_app(store_url, secret_key=SECRET, public_url=PUBLIC, clock=clock)
    try:
        yield made
    finally:
        listener_of(made).close()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


_orders = count(1)


def invite(app: Any, email: str | None = None, language: str = "en") -> str:
    """Hear an order (of a new customer unless ``email`` is given), invite its customer, and
    return the link's path and query."""
    from feedback_webapp import listener_of, surveys_of

    listener = listener_of(app)
    number = next(_orders)
    email = email or f"customer-{number}@example.com"
    (heard,) = listener.hear(
        "api",
        {
            "external_id": f"order-{number}",
            "occurred_at": (START - timedelta(hours=2)).isoformat(),
            "customer": {"email": email, "language": language, "consents": {"surveys": True}},
            "text": "Order delivered",
            "metadata": {"kind": "order"},
        },
    )
    customer = listener.store.get_customer(heard.customer.id)
    decision = surveys_of(app).invite(Occasion(customer, heard.interaction), now=START)
    assert decision.invitation is not None, decision.reasons
    (message,) = [
        stored.message
        for stored in listener.store.iter_messages(customer_id=customer.id)
        if stored.message.kind is MessageKind.SURVEY_INVITATION
    ]
    link = re.search(r"https://\S+", message.body)
    assert link is not None and link.group(0).startswith(PUBLIC + "/survey?token=")
    parts = urlsplit(link.group(0))
    return f"{parts.path}?{parts.query}"


def opened_form(client: Any, link: str) -> dict[str, str]:
    """Open the link and return the form's hidden fields."""
    answer = client.get(link)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', answer.text))
    assert set(hidden) == {"csrf_token", "token"}
    return hidden


def survey_feedback(store_url: str) -> list[Any]:
    with Listener.open(store_url, autoload=False) as reader:
        return list(reader.store.iter_feedback(channel="survey"))


def refusal(answer: Any) -> str | None:
    found = re.search(r'id="refused" data-reason="(\w+)"', answer.text)
    return found.group(1) if found else None


def test_the_page_asks_the_question_in_the_invitations_language(client: Any) -> None:
    english = client.get(invite(client.application, "bo@example.com", "en"))
    spanish = client.get(invite(client.application, "eva@example.com", "es-MX"))
    assert "How likely are you to recommend us" in english.text
    assert '<html lang="en">' in english.text
    assert "¿Qué probabilidad hay de que nos recomiende" in spanish.text
    assert "Nada probable" in spanish.text and "(opcional)" in spanish.text
    assert "<h1>Recomendación</h1>" in spanish.text and '<html lang="es-MX">' in spanish.text
    assert "<h1>Customer recommendation</h1>" in english.text
    for answer in (english, spanish):
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert len(re.findall(r'type="radio" name="nps"', answer.text)) == 11


def test_an_answer_is_stored_as_survey_feedback_about_the_order(
    client: Any, store_url: str
) -> None:
    link = invite(client.application)
    form = {**opened_form(client, link), "nps": "4", "comment": " Late again. "}
    answer = client.post("/survey", data=form)
    assert answer.status_code == 303 and answer.headers["Location"] == "/survey/thanks"
    (feedback,) = survey_feedback(store_url)
    assert (feedback.nps, feedback.text) == (4, "Late again.")
    assert "Thank you for your answer" in client.get("/survey/thanks").text

    again = client.post("/survey", data=form)
    assert again.status_code == 410 and refusal(again) == "used"
    assert refusal(client.get(link)) == "used"
    assert len(survey_feedback(store_url)) == 1


def test_the_csrf_field_is_not_an_answer_and_a_second_answer_is_dead_lettered(
    client: Any, store_url: str
) -> None:
    form = {**opened_form(client, invite(client.application)), "nps": "9"}
    assert client.post("/survey", data=form).status_code == 303
    (feedback,) = survey_feedback(store_url)
    with Listener.open(store_url, autoload=False) as reader:
        kept = reader.store.get_interaction(feedback.interaction_id).metadata["survey"]
        assert kept["answers"] == {"nps": 9}
        assert form["csrf_token"] not in str(kept) and "csrf" not in str(kept)
    # The same answer sent again (from another tab) is refused, and kept with its reason.
    assert client.post("/survey", data={**form, "nps": "3"}).status_code == 410
    with Listener.open(store_url, autoload=False) as reader:
        (refused,) = reader.dead_letters(source="survey:link")
        assert refused.field == "token" and "already used" in refused.reason
        assert json.loads(refused.raw)["answers"] == {"nps": ["3"]}  # what they sent is kept


def test_a_missing_score_is_asked_for_again_and_the_comment_kept(
    client: Any, store_url: str
) -> None:
    link = invite(client.application)
    form = opened_form(client, link)
    missing = client.post("/survey", data={**form, "comment": "No score"})
    assert missing.status_code == 400
    assert re.search(r'id="error">Please pick a score \(0–10\)<', missing.text)
    assert ">No score</textarea>" in missing.text  # what they wrote is kept
    assert survey_feedback(store_url) == []
    # A bad answer does not use up the link: corrected, it is accepted.
    fixed = client.post("/survey", data={**form, "nps": "10"})
    assert fixed.status_code == 303
    assert [(f.nps, f.text) for f in survey_feedback(store_url)] == [(10, "")]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"nps": "11"}, "Please pick a score"),
        ({"nps": "-1"}, "Please pick a score"),
        ({"nps": ["3", "4"]}, "Please pick a score"),
        ({"nps": "5", "comment": "x" * 5001}, "Please check this answer"),
        ({"nps": "5", "coupon": "FREE"}, "Please check this answer: coupon"),
    ],
)
def test_a_tampered_answer_is_shown_and_nothing_is_stored(
    client: Any, store_url: str, changes: dict[str, Any], error: str
) -> None:
    form = {**opened_form(client, invite(client.application)), **changes}
    answer = client.post("/survey", data=form)
    assert answer.status_code == 400
    assert re.search(r'id="error">' + re.escape(error), answer.text), answer.text
    assert survey_feedback(store_url) == []


@pytest.mark.parametrize(
    "link",
    [
        "/survey",
        "/survey?token=",
        "/survey?token=hello",
        "/survey?token=cv1.e30.AAAA",
        "/survey?token=" + "x" * 5000,
    ],
)
def test_a_link_that_is_not_ours_is_refused_with_400(client: Any, link: str) -> None:
    answer = client.get(link)
    assert answer.status_code == 400 and refusal(answer) == "invalid"
    assert "<form" not in answer.text and "<input" not in answer.text
    assert "This survey link does not work" in answer.text


def test_a_link_signed_with_another_secret_is_refused(store_url: str, clock: ManualClock) -> None:
    from feedback_webapp import create_app, listener_of

    other = create_app(
        store_url, secret_key="another application's secret", public_url=PUBLIC, clock=clock
    )
    try:
        link = invite(other)
    finally:
        listener_of(other).close()
    ours = create_app(store_url, secret_key=SECRET, clock=clock)
    try:
        assert refusal(ours.test_client().get(link)) == "invalid"
    finally:
        listener_of(ours).close()


def test_an_unknown_link_is_refused_in_the_browsers_language(client: Any) -> None:
    answer = client.get("/survey?token=nope", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert answer.status_code == 400
    assert '<html lang="es">' in answer.text
    assert "Este enlace de encuesta no funciona" in answer.text


def test_an_expired_link_is_refused_with_410_and_cannot_be_answered(
    client: Any, store_url: str, clock: ManualClock
) -> None:
    link = invite(client.application)
    form = {**opened_form(client, link), "nps": "8"}
    clock.advance(days=16)  # sent a day after the order, good for 14 days
    shown = client.get(link)
    assert shown.status_code == 410 and refusal(shown) == "expired"
    posted = client.post("/survey", data=form)
    assert posted.status_code == 410 and refusal(posted) == "expired"
    assert survey_feedback(store_url) == []


def test_a_post_from_another_site_or_without_the_session_token_is_refused(
    client: Any, store_url: str
) -> None:
    link = invite(client.application)
    form = {**opened_form(client, link), "nps": "9"}
    other_site = client.post("/survey", data=form, headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert client.post("/survey", data={**form, "csrf_token": "guess"}).status_code == 403
    assert survey_feedback(store_url) == []
    # Refused posts do not use the link up.
    same_site = client.post("/survey", data=form, headers={"Origin": "http://localhost"})
    assert same_site.status_code == 303
    assert [f.nps for f in survey_feedback(store_url)] == [9]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(score=st.one_of(st.integers(-3, 14).map(str), st.text(max_size=6)))
def test_any_posted_score_is_stored_as_that_number_or_shown_back(
    client: Any, store_url: str, score: str
) -> None:
    form = {**opened_form(client, invite(client.application)), "nps": score}
    before = {feedback.id for feedback in survey_feedback(store_url)}
    answer = client.post("/survey", data=form)
    new = [feedback for feedback in survey_feedback(store_url) if feedback.id not in before]
    text = score.strip()
    if text.isascii() and text.isdigit() and 0 <= int(text) <= 10:
        assert answer.status_code == 303
        assert [feedback.nps for feedback in new] == [int(text)]
    else:
        assert answer.status_code == 400
        assert 'id="error">Please pick a score' in answer.text
        assert new == []


def test_the_invite_command_invites_after_recent_orders(app: Any, store_url: str) -> None:
    from feedback_webapp import listener_of

    listener_of(app).hear(
        "api",
        {
            "external_id": "order-cli",
            "occurred_at": START.isoformat(),
            "customer": {"email": "cli@example.com", "consents": {"surveys": True}},
            "metadata": {"kind": "order"},
        },
    )
    listener_of(app).hear("web", {"email": "eve@example.com", "message": "Not an order"})
    result = app.test_cli_runner().invoke(args=["invite-surveys"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("invitations sent 1")
    again = app.test_cli_runner().invoke(args=["invite-surveys"])
    assert again.output.startswith("invitations sent 0")
    (invitation,) = listener_of(app).store.iter_invitations()
    assert invitation.send_at == START + timedelta(days=1)  # the policy's delay
