"""Themes across texts: near-duplicates together, the customers behind each, validation."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Hand-written multilingual cases for what makes a theme a manager can act on.

DAMAGED = [
    "My order arrived damaged, the box was crushed",
    "order arrived damaged again",
    "The order arrived damaged and nobody helps",
    "Second time my order arrived damaged",
]
ROTO = [
    "Mi pedido llegó roto, la caja venía aplastada",
    "El pedido llegó roto otra vez",
    "Pedido llegó roto y nadie responde",
    "Otra vez el pedido llegó roto",
    "El pedido llegó roto, qué desastre",
]
GENERIC = [
    "Where can I see the order history?",
    "Can I change the delivery address on an order?",
    "The order confirmation email never came",
    "How do I print an order summary",
    "I want to add a gift note to my order",
]


def _items(texts: list[str], prefix: str) -> list[tuple[str, str, str]]:
    return [(f"{prefix}{i}", f"{prefix}-customer{i}", text) for i, text in enumerate(texts)]


def test_labels_are_phrases_and_languages_merge_by_concept() -> None:
    themes = find_themes(_items(DAMAGED, "en") + _items(ROTO, "es"))
    assert len(themes) == 1
    (theme,) = themes
    assert theme.count == 9 and theme.customers == 9
    assert " " in theme.label  # a phrase, not a single word
    assert "llegó roto" in theme.label  # the majority language names it
    english = theme.key_phrases[0]  # the other language's name comes first
    assert "arrived" in english or "damaged" in english


def test_a_generic_shared_word_does_not_make_a_theme() -> None:
    themes = find_themes(_items(DAMAGED, "d") + _items(GENERIC, "g"), language="en")
    grouped = {fid for theme in themes for fid in theme.feedback_ids}
    assert not grouped & {f"g{i}" for i in range(len(GENERIC))}
    assert grouped == {f"d{i}" for i in range(len(DAMAGED))}


def test_greetings_sign_offs_and_praise_words_never_make_a_theme() -> None:
    letters = [
        "Good morning,\n\nI would like to know my balance.\n\nThanks,\nAna",
        "Good morning,\n\nDo you open on Sundays?\n\nBest regards,\nLuis",
        "Good morning,\n\nCan I pay with a voucher?\n\nKind regards,\nEva",
        "Buenos días,\n\nQuería saber el horario.\n\nUn saludo,\nMarta",
        "Buenos días:\n\n¿Tenéis aparcamiento?\n\nAtentamente,\nJosé",
        "Buenos días,\n\nNo encuentro el formulario.\n\nSaludos,\nPablo",
        "Mucho gusto, soy nueva clienta",
        "Da gusto un trato así",
        "Qué gusto hablar con alguien amable",
    ]
    themes = find_themes(_items(letters, "l"))
    words = {word for theme in themes for word in theme.label.split()}
    assert not words & {"morning", "días", "gusto", "regards", "saludo", "thanks"}
    assert themes == []


def test_reference_numbers_are_not_words() -> None:
    texts = [f"Cancel order ORD-{n} please, I ordered twice" for n in range(1000, 1005)]
    (theme,) = find_themes(_items(texts, "r"), language="en")
    assert "ord" not in theme.label.split() and all("ord " not in p for p in theme.key_phrases)


def test_a_formula_at_the_end_of_unrelated_texts_is_not_a_theme() -> None:
    asks = [
        "Please cancel my magazine subscription before the next renewal date.",
        "The blender I bought stopped working after a week and smells burnt.",
        "Could you send me the user manual for the heater model I ordered?",
        "My neighbour received my parcel by mistake yesterday, the driver left it.",
        "The invoice shows the wrong company name and an old postal address.",
    ]
    asks = [f"{text} You can reply by email." for text in asks]
    assert find_themes(_items(asks, "a"), language="en") == []


def test_small_numbers_are_kept_and_texts_with_them_still_group() -> None:
    texts = [f"Parcel arrived {n} days late." for n in (3, 4, 5, 6)]
    (theme,) = find_themes(_items(texts, "n"), language="en")
    assert theme.count == 4 and "parcel" in theme.label


WORDS = ["pedido", "order", "llegó", "roto", "arrived", "damaged", "gusto", "ORD-123456", "@shop"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            st.lists(st.sampled_from([*WORDS, "\n", ",", "de", "the", "3"]), max_size=12).map(
                " ".join
            ),
        ),
        max_size=25,
    )
)
def test_any_texts_give_disjoint_labelled_themes(texts: list[str]) -> None:
    items = _items(texts, "h")
    themes = find_themes(items)
    ids = [fid for theme in themes for fid in theme.feedback_ids]
    assert len(ids) == len(set(ids)) and set(ids) <= {fid for fid, _, _ in items}
    assert all(theme.label and theme.count >= 2 for theme in themes)
