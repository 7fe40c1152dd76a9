"""Themes across texts: near-duplicates together, the customers behind each, validation."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from clientvoice.analysis import Theme, find_themes
from clientvoice.errors import ValidationError
from clientvoice.models import Feedback

LATE = [
    "My package arrived late again, the delivery took two weeks",
    "my package arrived late again. the delivery took two weeks!",
    "Package arrived late, delivery took two weeks and nobody answered",
]
ITEMS = [(f"f{i}", f"c{i % 4}", text) for i, text in enumerate(LATE * 3)] + [
    ("s1", "c9", "La atención telefónica es muy lenta"),
    ("s2", "c8", "La atención telefónica fue lentísima"),
    ("s3", "c7", "Atención telefónica lenta, esperé una hora"),
    ("x1", "c6", "Nice colours"),
]


def test_near_duplicates_fall_into_one_theme_with_their_customers() -> None:
    themes = find_themes(ITEMS)
    assert all(isinstance(theme, Theme) for theme in themes)
    first = themes[0]
    assert first.count == 9 and set(first.feedback_ids) == {f"f{i}" for i in range(9)}
    assert first.customer_ids == ("c0", "c1", "c2", "c3") and first.customers == 4
    assert 1 <= len(first.quotes) <= 3 and len(set(first.quotes)) == len(first.quotes)
    spanish = [theme for theme in themes if "s1" in theme.feedback_ids]
    assert spanish and "telefónica" in spanish[0].label
    assert not any("x1" in theme.feedback_ids for theme in themes)


def test_every_item_is_in_at_most_one_theme() -> None:
    ids = [fid for theme in find_themes(ITEMS) for fid in theme.feedback_ids]
    assert len(ids) == len(set(ids))


def test_feedback_records_are_accepted() -> None:
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    records = [
        Feedback(id=f"f{i}", customer_id=f"c{i}", interaction_id=f"i{i}", created_at=when, text=t)
        for i, t in enumerate(LATE)
    ]
    (theme,) = find_themes(records, language="en")
    assert theme.customer_ids == ("c0", "c1", "c2")


def test_limits() -> None:
    assert find_themes([]) == []
    assert len(find_themes(ITEMS, max_themes=1)) == 1
    assert find_themes(ITEMS, min_count=100) == []
    assert find_themes(ITEMS, quotes=0)[0].quotes == ()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_count": 0}, "min_count"),
        ({"max_themes": 0}, "max_themes"),
        ({"quotes": -1}, "quotes"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        find_themes(ITEMS, **kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


def test_bad_items_name_their_position() -> None:
    with pytest.raises(ValidationError) as error:
        find_themes([("f1", "c1", "ok"), ("f2", "c2")])  # type: ignore[list-item]
    assert error.value.field == "items[1]"
