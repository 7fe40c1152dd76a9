"""Themes across texts: near-duplicates together, the customers behind each, validation."""

from __future__ import annotations

import re
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


# Boilerplate: a sentence or an opening that many texts share, next to different content.

IDEAS = {
    "en": [
        [
            "Please add a dark mode to the app.",
            "A dark mode in the app would be lovely at night.",
            "Could the app get a dark mode for the evenings?",
            "I want dark mode on the phone app.",
        ],
        [
            "Let me choose a delivery time slot at checkout.",
            "Choosing a delivery time slot would help me plan my week.",
            "I need a delivery time slot, not a whole day of waiting.",
            "Offer a delivery time slot in the evening.",
        ],
        [
            "Sell gift vouchers in the shop for birthdays.",
            "Gift vouchers at the till would be perfect for presents.",
            "Do you plan to sell gift vouchers online?",
            "Printed gift vouchers, please, my aunt loves them.",
        ],
        [
            "Keep the shop open until nine on Fridays.",
            "Open until nine on Fridays, after work is the only time I can come.",
            "Staying open until nine on Fridays would suit commuters.",
            "Friday evenings: please stay open until nine.",
        ],
        [
            "Bring back the loyalty stamps on the paper card.",
            "The paper card with loyalty stamps was better than the app.",
            "I miss collecting loyalty stamps on a card.",
            "Loyalty stamps again, please.",
        ],
        [
            "More vegan ready meals in the fridge section.",
            "The fridge section needs vegan ready meals.",
            "Vegan ready meals sell out by noon, stock more.",
            "Add a few vegan ready meals for lunch.",
        ],
        [
            "Put a water fountain near the car park entrance.",
            "A water fountain at the car park would help in summer.",
            "Kids need a water fountain by the car park.",
            "Water fountain outside, near the car park, please.",
        ],
    ],
    "es": [
        [
            "Poned un modo oscuro en la aplicación.",
            "Un modo oscuro en la aplicación se agradecería por la noche.",
            "¿Podría la aplicación tener modo oscuro para leer de noche?",
            "Quiero modo oscuro en la aplicación del móvil.",
        ],
        [
            "Dejad elegir la franja horaria de entrega al pagar.",
            "Elegir franja horaria de entrega me ayudaría a organizarme.",
            "Necesito una franja horaria de entrega, no esperar todo el día.",
            "Ofreced una franja horaria de entrega por la tarde.",
        ],
        [
            "Vended tarjetas regalo en la tienda para cumpleaños.",
            "Tarjetas regalo en caja serían perfectas para regalar.",
            "¿Pensáis vender tarjetas regalo por internet?",
            "Tarjetas regalo impresas, por favor, a mi tía le encantan.",
        ],
        [
            "Abrid la tienda hasta las nueve los viernes.",
            "Abrir hasta las nueve los viernes, salgo tarde de trabajar.",
            "Quedarse abiertos hasta las nueve los viernes vendría bien.",
            "Los viernes por la tarde, por favor, abrid hasta las nueve.",
        ],
        [
            "Recuperad los sellos de fidelidad en la tarjeta de papel.",
            "La tarjeta de papel con sellos de fidelidad era mejor que la app.",
            "Echo de menos juntar sellos de fidelidad.",
            "Sellos de fidelidad otra vez, por favor.",
        ],
        [
            "Más platos veganos preparados en la zona de frío.",
            "La zona de frío necesita platos veganos preparados.",
            "Los platos veganos preparados se agotan a mediodía.",
            "Añadid algunos platos veganos preparados para comer.",
        ],
        [
            "Poned una fuente de agua junto a la entrada del aparcamiento.",
            "Una fuente de agua en el aparcamiento vendría bien en verano.",
            "Los niños necesitan una fuente de agua en el aparcamiento.",
            "Fuente de agua fuera, junto al aparcamiento, por favor.",
        ],
    ],
}
CLOSING = {
    "en": ("It would make life so much easier for everyone.", {"life", "easier", "everyone"}),
    "es": ("Nos ahorraría mucho tiempo a todos.", {"ahorraría", "tiempo", "todos"}),
}


def _ideas(code: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """Seven ideas, four texts each; the closing sentence ends three texts of the first three."""
    items: list[tuple[str, str, str]] = []
    idea_of: dict[str, int] = {}
    for idea, texts in enumerate(IDEAS[code]):
        for n, text in enumerate(texts):
            if idea < 3 and n < 3:
                text = f"{text} {CLOSING[code][0]}"
            fid = f"{code}{idea}-{n}"
            items.append((fid, f"c-{fid}", text))
            idea_of[fid] = idea
    return items, idea_of


@pytest.mark.parametrize("code", ["en", "es"])
def test_a_closing_sentence_added_to_different_ideas_makes_no_theme(code: str) -> None:
    items, idea_of = _ideas(code)
    themes = find_themes(items)
    closing = CLOSING[code][1]
    for theme in themes:
        assert not closing & set(theme.label.split()), theme.label
        assert not any(closing & set(phrase.split()) for phrase in theme.key_phrases)
        assert len({idea_of[fid] for fid in theme.feedback_ids}) == 1  # one idea per theme
    grouped = {idea_of[fid] for theme in themes for fid in theme.feedback_ids}
    assert {0, 1, 2} <= grouped  # the ideas behind the closing sentence are themes of their own


NOTES = {
    "en": (
        "Client phoned to",
        [
            "change the billing address on the account.",
            "report a broken charger from the last order.",
            "book an installation visit for the new boiler.",
            "ask for a copy of the warranty certificate.",
        ],
    ),
    "es": (
        "La clienta telefonea para",
        [
            "cambiar la dirección de facturación de la cuenta.",
            "avisar de un cargador roto del último pedido.",
            "reservar una visita de instalación de la caldera nueva.",
            "pedir una copia del certificado de garantía.",
        ],
    ),
}
TAILS = ["", " Sorted on the call.", " Email sent afterwards.", " Passed to the right team."]


@pytest.mark.parametrize("code", ["en", "es"])
def test_a_note_taking_formula_before_different_topics_makes_no_theme(code: str) -> None:
    opening, topics = NOTES[code]
    items = [
        (f"n{t}-{n}", f"c{t}-{n}", f"{opening} {topic}{TAILS[n]}")
        for t, topic in enumerate(topics)
        for n in range(4)
    ]
    themes = find_themes(items + _rest_of_the_month(code))
    formula = {word for word in opening.lower().split() if len(word) > 4}
    by_topic: dict[int, set[str]] = {}
    for theme in themes:
        assert not formula & set(theme.label.split()), theme.label
        notes = {int(fid[1]) for fid in theme.feedback_ids if fid.startswith("n")}
        assert len(notes) <= 1, theme.label  # never two topics in one theme
        for topic in notes:
            by_topic[topic] = {fid for fid in theme.feedback_ids if fid.startswith("n")}
    assert len(by_topic) == len(topics)  # each topic behind the formula is a theme
    assert all(len(ids) == 4 for ids in by_topic.values())


PASTED = {
    "en": (
        "At checkout I get an error and my basket empties.",
        ["", "Hi,\n\n{}\n\nThanks,\nSam", "{} Please fix it.", "{} Third time today!"],
    ),
    "es": (
        "Al pagar me sale un error y se vacía el carrito.",
        [
            "",
            "Hola,\n\n{}\n\nUn saludo,\nLuz",
            "{} Arregladlo, por favor.",
            "{} ¡Ya van tres veces!",
        ],
    ),
}


@pytest.mark.parametrize("code", ["en", "es"])
def test_a_complaint_many_customers_pasted_is_still_one_theme(code: str) -> None:
    sentence, frames = PASTED[code]
    pasted = [(f"p{i}", f"cp{i}", (frames[i % 4] or "{}").format(sentence)) for i in range(12)]
    themes = find_themes(pasted + _rest_of_the_month(code))
    first = themes[0]
    assert {fid for fid in first.feedback_ids if fid.startswith("p")} == {
        f"p{i}" for i in range(12)
    }
    assert first.count == 12  # named by the complaint itself, not by a greeting or a closing
    assert set(first.label.split()) <= set(re.findall(r"\w+", sentence.lower()))


def _rest_of_the_month(code: str) -> list[tuple[str, str, str]]:
    """Other feedback: the ideas without the closing sentence, and a few one-off remarks."""
    ideas, _ = _ideas(code)
    remarks = [
        "The new bakery counter smells wonderful.",
        "My card was charged twice for one coffee.",
        "The lift at the station entrance is out of order.",
        "Your driver parked across my garage.",
        "Where do I find the returns form?",
        "El probador tenía la cortina rota.",
        "No encuentro el formulario de devolución.",
        "El repartidor aparcó delante de mi garaje.",
    ]
    return [(f"o{fid}", c, text.split(". ")[0]) for fid, c, text in ideas] + [
        (f"r{i}", f"cr{i}", text) for i, text in enumerate(remarks * 2)
    ]


CRASHES = {
    "en": (
        [
            "The app crashes when I open {}.",
            "App crashes every time I open {}",
            "app crashes if I open {}!",
        ],
        ["the basket", "my orders", "the search", "settings", "my invoices", "the map"],
    ),
    "es": (
        [
            "La app falla cuando abro {}.",
            "La aplicación falla cada vez que abro {}",
            "app falla si abro {}!",
        ],
        ["la cesta", "mis pedidos", "el buscador", "los ajustes", "mis facturas", "el mapa"],
    ),
}


@pytest.mark.parametrize("code", ["en", "es"])
def test_one_problem_told_with_different_details_is_one_theme(code: str) -> None:
    forms, places = CRASHES[code]
    crashes = [
        (f"k{i}-{j}", f"ck{i}-{j}", form.format(place))
        for i, place in enumerate(places)
        for j, form in enumerate(forms)
    ]
    themes = find_themes(crashes + _rest_of_the_month(code))
    first = themes[0]
    assert {fid for fid in first.feedback_ids if fid.startswith("k")} == {f for f, _, _ in crashes}
    assert "crashes" in first.label or "falla" in first.label
