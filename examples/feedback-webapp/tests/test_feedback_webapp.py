"""The feedback form, driven from a real headless Chromium, and read back through the Store."""

from __future__ import annotations

import re
from typing import Any

from clientvoice import CaseStage, Listener


def fill_in(page: Any, *, name: str, email: str, message: str) -> None:
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("textarea[name=message]", message)


def test_a_customer_who_asks_for_a_follow_up_gets_a_case(
    server: Any, page: Any, store_url: str
) -> None:
    page.goto(server.url + "/")
    fill_in(page, name="Ana López", email="Ana@Example.com", message="The parcel arrived broken.")
    page.check("input[name=rating][value='2']")
    page.check("input[name=follow_up]")
    page.click("button[type=submit]")

    page.wait_for_url(server.url + "/thanks")
    assert page.inner_text("h1") == "Thank you, Ana López"
    reference = page.inner_text("#case code")

    with Listener.open(store_url, autoload=False) as reader:  # a second process would do this
        (feedback,) = reader.store.iter_feedback(channel="web")
        assert feedback.text == "The parcel arrived broken."
        assert feedback.csat == 2
        assert feedback.follow_up_requested is True
        customer = reader.store.get_customer(feedback.customer_id)
        assert customer.contact("email") == "ana@example.com"
        (case,) = reader.store.iter_cases(customer_id=customer.id)
        assert case.id == reference
        assert case.feedback_id == feedback.id
        assert case.stage is CaseStage.RECEIVED


def test_feedback_without_a_rating_or_a_follow_up_is_kept_without_a_case(
    server: Any, page: Any, store_url: str
) -> None:
    page.goto(server.url + "/")
    fill_in(page, name="Bo", email="bo@example.com", message="Lovely shop, thanks!")
    page.click("button[type=submit]")

    page.wait_for_url(server.url + "/thanks")
    assert page.locator("#case").count() == 0
    with Listener.open(store_url, autoload=False) as reader:
        (feedback,) = reader.store.iter_feedback()
        assert feedback.csat is None
        assert feedback.follow_up_requested is False
        assert list(reader.store.iter_cases()) == []


def test_a_form_sent_twice_is_heard_once(server: Any, page: Any, store_url: str) -> None:
    page.goto(server.url + "/")
    fill_in(page, name="Carla", email="carla@example.com", message="Charged twice.")
    page.check("input[name=follow_up]")
    form = page.eval_on_selector("#feedback", "f => Object.fromEntries(new FormData(f))")
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/thanks")

    # The browser's back button and "send again": the same hidden submission id, posted again.
    again = page.request.post(server.url + "/feedback", form=form, headers={"Origin": server.url})
    assert again.ok
    with Listener.open(store_url, autoload=False) as reader:
        assert len(list(reader.store.iter_feedback())) == 1
        assert len(list(reader.store.iter_cases())) == 1


def test_a_bad_address_is_shown_on_the_form_and_nothing_is_stored(
    server: Any, page: Any, store_url: str
) -> None:
    page.goto(server.url + "/")
    fill_in(page, name="Dan", email="dan@", message="Hello")
    # The browser's own check would stop this post: switch it off, the server must check too.
    page.eval_on_selector("#feedback", "f => f.noValidate = true")
    page.click("button[type=submit]")

    assert re.match(r"^email: ", page.inner_text("#error"))
    assert page.input_value("textarea[name=message]") == "Hello"  # what they typed is kept
    with Listener.open(store_url, autoload=False) as reader:
        assert list(reader.store.iter_feedback()) == []


def test_a_post_from_another_site_is_refused(server: Any, page: Any, store_url: str) -> None:
    page.goto(server.url + "/")
    token = page.input_value("input[name=csrf_token]")
    form = {"csrf_token": token, "submission": "s1", "email": "eve@example.com", "message": "x"}

    other_site = page.request.post(
        server.url + "/feedback", form=form, headers={"Origin": "https://evil.example"}
    )
    no_token = page.request.post(
        server.url + "/feedback", form={**form, "csrf_token": ""}, headers={"Origin": server.url}
    )

    assert other_site.status == 403
    assert no_token.status == 403
    with Listener.open(store_url, autoload=False) as reader:
        assert list(reader.store.iter_feedback()) == []
