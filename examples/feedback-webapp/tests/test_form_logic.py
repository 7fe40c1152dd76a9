"""The form's server side through Flask's test client: runs where no browser is installed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from clientvoice import Listener


@pytest.fixture
def client(store_url: str) -> Iterator[Any]:
    from feedback_webapp import create_app, listener_of

    app = create_app(store_url, secret_key="test only")
    try:
        yield app.test_client()
    finally:
        listener_of(app).close()


def blank_form(client: Any) -> dict[str, str]:
    page = client.get("/").get_data(as_text=True)
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert set(hidden) == {"csrf_token", "submission"}
    return hidden


def stored_feedback(store_url: str) -> list[Any]:
    with Listener.open(store_url, autoload=False) as reader:
        return list(reader.store.iter_feedback())


def test_the_form_fields_become_a_record(client: Any, store_url: str) -> None:
    form = {**blank_form(client), "name": "Eva", "email": "EVA@example.com", "message": "Slow"}
    answer = client.post("/feedback", data={**form, "rating": "4", "follow_up": "on"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/thanks"
    (feedback,) = stored_feedback(store_url)
    assert (feedback.text, feedback.csat, feedback.follow_up_requested) == ("Slow", 4, True)
    thanks = client.get("/thanks").get_data(as_text=True)
    assert "Thank you, Eva" in thanks and 'id="case"' in thanks


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "eva@"}, "email"),
        ({"rating": "9"}, "rating"),
        ({"rating": "four"}, "rating"),
        ({"message": "   "}, "message"),
    ],
)
def test_bad_input_is_shown_against_the_form_field(
    client: Any, store_url: str, changes: dict[str, str], field: str
) -> None:
    form = {**blank_form(client), "email": "eva@example.com", "message": "Slow", **changes}
    answer = client.post("/feedback", data=form)
    assert answer.status_code == 400
    error = re.search(r'id="error">([^<]*)<', answer.get_data(as_text=True))
    assert error is not None and error.group(1).startswith(f"{field}: ")
    assert stored_feedback(store_url) == []


def test_a_post_without_the_session_token_is_refused(client: Any, store_url: str) -> None:
    form = {**blank_form(client), "email": "eva@example.com", "message": "Slow"}
    assert client.post("/feedback", data={**form, "csrf_token": "guess"}).status_code == 403
    client.delete_cookie("session")
    assert client.post("/feedback", data=form).status_code == 403
    assert stored_feedback(store_url) == []


def test_a_post_whose_referer_is_another_site_is_refused(client: Any, store_url: str) -> None:
    form = {**blank_form(client), "email": "eva@example.com", "message": "Slow"}
    answer = client.post("/feedback", data=form, headers={"Referer": "https://evil.example/x"})
    assert answer.status_code == 403
    assert client.post("/feedback", data=form, headers={"Origin": "null"}).status_code == 403
    assert stored_feedback(store_url) == []
