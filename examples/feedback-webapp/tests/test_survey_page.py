"""The survey link page, driven from a real headless Chromium, and read back through the Store.

A customer orders, is invited to the NPS survey, follows the link in the invitation message,
picks a score, writes a comment and sends it; the answer is feedback on the ``survey`` channel,
linked to the order it asked about. The same link opened again, or opened too late, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from clientvoice import Listener, ManualClock
from clientvoice.models import Interaction, MessageKind

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def server(serve: Callable[..., Any], clock: ManualClock) -> Any:
    return serve(clock=clock)


def hear_order(app: Any, email: str, language: str) -> Interaction:
    """What the shop's order system would do: tell the listener about a delivered order."""
    from feedback_webapp import listener_of

    (heard,) = listener_of(app).hear(
        "api",
        {
            "external_id": f"order-{email}",
            "occurred_at": (START - timedelta(hours=2)).isoformat(),
            "customer": {
                "email": email,
                "name": email.split("@")[0].title(),
                "language": language,
                "timezone": "Europe/Madrid",
                "consents": {"surveys": True},
            },
            "text": "Pedido 1001 entregado",
            "metadata": {"kind": "order"},
        },
    )
    return heard.interaction


def invitation_link(app: Any, customer_id: str) -> str:
    """Invite after recent orders, as a scheduler would, and read the link in the message."""
    from feedback_webapp import listener_of, surveys_of

    listener = listener_of(app)
    assert surveys_of(app).invite_after(listener.clock.now()).sent == 1
    (message,) = [
        stored.message
        for stored in listener.store.iter_messages(customer_id=customer_id)
        if stored.message.kind is MessageKind.SURVEY_INVITATION
    ]
    link = re.search(r"https?://\S+", message.body)
    assert link is not None, message.body
    return link.group(0)


def test_a_customer_answers_the_survey_from_the_link_and_it_cannot_be_answered_twice(
    server: Any, page: Any, store_url: str
) -> None:
    order = hear_order(server.app, "ana@example.com", "es")
    link = invitation_link(server.app, order.customer_id)
    assert link.startswith(server.url + "/survey?token=cv1.")

    opened = page.goto(link)
    assert opened.status == 200
    assert page.get_attribute("html", "lang") == "es"
    assert page.inner_text("h1") == "Recomendación"
    assert "nos recomiende" in page.inner_text("#q-nps legend")
    assert page.locator("input[name=nps]").count() == 11  # 0 to 10
    page.check("input[name=nps][value='9']")
    page.fill("textarea[name=comment]", "Llegó a tiempo y bien embalado.")
    page.click("button[type=submit]")

    page.wait_for_url(server.url + "/survey/thanks")
    assert page.inner_text("h1") == "Gracias por su respuesta"

    with Listener.open(store_url, autoload=False) as reader:  # a second process would do this
        (feedback,) = reader.store.iter_feedback(channel="survey")
        assert feedback.nps == 9
        assert feedback.text == "Llegó a tiempo y bien embalado."
        assert feedback.customer_id == order.customer_id
        answer = reader.store.get_interaction(feedback.interaction_id)
        assert answer.channel == "survey"
        asked = answer.metadata["survey"]
        assert asked["id"] == "nps"
        assert asked["about_interaction_id"] == order.id
        (invitation,) = reader.store.iter_invitations(customer_id=order.customer_id)
        assert asked["invitation_id"] == invitation.id
        assert reader.store.get_interaction(order.id).metadata["kind"] == "order"

    again = page.goto(link)
    assert again.status == 410
    assert page.get_attribute("#refused", "data-reason") == "used"
    assert page.inner_text("h1") == "Ya respondió esta encuesta"
    assert page.locator("form, input, textarea").count() == 0  # nothing else on the page
    with Listener.open(store_url, autoload=False) as reader:
        assert len(list(reader.store.iter_feedback(channel="survey"))) == 1


def test_an_expired_link_is_refused_politely(
    server: Any, page: Any, store_url: str, clock: ManualClock
) -> None:
    order = hear_order(server.app, "bob@example.com", "en")
    link = invitation_link(server.app, order.customer_id)
    clock.advance(days=20)  # the link is good for 14 days after the invitation is sent

    opened = page.goto(link)
    assert opened.status == 410
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute("#refused", "data-reason") == "expired"
    assert page.inner_text("h1") == "This survey has closed"
    assert page.locator("form, input, textarea").count() == 0
    with Listener.open(store_url, autoload=False) as reader:
        assert list(reader.store.iter_feedback(channel="survey")) == []


def test_a_mangled_link_is_refused_as_not_working(server: Any, page: Any) -> None:
    order = hear_order(server.app, "eva@example.com", "en")
    link = invitation_link(server.app, order.customer_id)

    opened = page.goto(link[:-6])  # cut short by a mail client
    assert opened.status == 400
    assert page.get_attribute("#refused", "data-reason") == "invalid"
    assert page.locator("form, input, textarea").count() == 0


def test_an_answer_without_a_score_is_asked_for_again_without_using_up_the_link(
    server: Any, page: Any, store_url: str
) -> None:
    order = hear_order(server.app, "leo@example.com", "en")
    page.goto(invitation_link(server.app, order.customer_id))
    page.fill("textarea[name=comment]", "Forgot the score")
    # The browser's own check would stop this post: switch it off, the server must check too.
    page.eval_on_selector("#survey", "f => f.noValidate = true")
    page.click("button[type=submit]")

    assert page.inner_text("#error").startswith("Please pick a score")
    assert page.input_value("textarea[name=comment]") == "Forgot the score"
    page.check("input[name=nps][value='6']")
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/survey/thanks")
    with Listener.open(store_url, autoload=False) as reader:
        (feedback,) = reader.store.iter_feedback(channel="survey")
        assert (feedback.nps, feedback.text) == (6, "Forgot the score")
