"""The link backend's ``ignore``: the host's own form fields (a CSRF token...) are not answers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import ConfigurationError, ValidationError
from clientvoice.surveys import nps_survey
from clientvoice.surveys.link import LinkBackend


def test_ignored_fields_are_dropped_and_the_rest_are_answers() -> None:
    backend = LinkBackend("https://shop.example/encuesta", ignore={"csrf_token", "website"})
    form = {"token": "cv1.x.y", "nps": "9", "csrf_token": "s3cr3t", "website": ""}
    (response,) = backend.parse(form)
    assert response.token == "cv1.x.y"
    assert dict(response.answers) == {"nps": "9"}
    assert nps_survey().validate(nps_survey().read_form(dict(response.answers)))["nps"] == 9


def test_ignored_fields_are_dropped_from_a_raw_body_too() -> None:
    backend = LinkBackend("https://shop.example/encuesta", ignore="csrf_token")
    body = urlencode({"token": "t", "csrf_token": "a", "comment": "Bien"}).encode()
    (response,) = backend.parse(body)
    assert dict(response.answers) == {"comment": "Bien"}
    assert backend.ignore == frozenset({"csrf_token"})
    assert "ignore=['csrf_token']" in repr(backend)


def test_without_ignore_a_host_field_is_an_answer_the_survey_refuses() -> None:
    (response,) = LinkBackend("https://shop.example/encuesta").parse(
        {"token": "t", "nps": "9", "csrf_token": "s3cr3t"}
    )
    assert dict(response.answers) == {"nps": "9", "csrf_token": "s3cr3t"}
    with pytest.raises(ValidationError, match="csrf_token"):
        nps_survey().validate(nps_survey().read_form(dict(response.answers)))


@pytest.mark.parametrize("ignore", [{"token"}, {""}, [3], {"ok", None}])
def test_the_token_or_a_non_name_cannot_be_ignored(ignore: Any) -> None:
    with pytest.raises(ConfigurationError):
        LinkBackend("https://shop.example/encuesta", ignore=ignore)


NAMES = st.sampled_from(["nps", "comment", "token", "csrf_token", "honeypot"]) | st.text(max_size=6)


@given(
    fields=st.dictionaries(NAMES, st.text(max_size=8) | st.lists(st.text(max_size=4), max_size=2)),
    ignore=st.sets(st.sampled_from(["csrf_token", "honeypot", "nps", "x"])),
)
def test_an_ignored_field_never_reaches_the_answers(
    fields: dict[str, Any], ignore: set[str]
) -> None:
    backend = LinkBackend("https://shop.example/encuesta", ignore=ignore)
    try:
        (response,) = backend.parse(fields)
    except ValidationError as error:
        assert error.field == "token"  # a token sent twice, or not text
        return
    assert set(response.answers) == set(fields) - ignore - {"token"}
    for name in set(response.answers):
        assert response.answers[name] == fields[name]
