"""Spanish as customers write it across regions: colloquial praise and blame words from Mexico,
Spain, the Southern Cone, the Andes and the Caribbean, and idioms whose words mislead."""

from __future__ import annotations

import pytest

from clientvoice.analysis import analyze
from clientvoice.models import FeedbackKind, Sentiment


@pytest.mark.parametrize(
    "text",
    [
        "Quedó todo bien chingón",  # Mexico
        "Mola mucho la nueva app",  # Spain
        "Me flipa esta tienda",
        "Muy guay el trato",
        "Bacán la atención",  # Chile, Peru
        "La pasamos bacana",  # Colombia
        "Todo muy copado",  # Argentina
        "Una chimba de servicio",  # Colombia
        "El hotel está chévere",  # Venezuela, Colombia
        "Un servicio de lujo, de diez",
    ],
)
def test_regional_praise_reads_positive(text: str) -> None:
    result = analyze(text)
    assert result.language == "es"
    assert result.sentiment is Sentiment.POSITIVE, result


@pytest.mark.parametrize(
    "text",
    [
        "El producto es cutre",  # Spain
        "Está bien chafa el cargador",  # Mexico
        "Qué servicio tan fome",  # Chile
        "Un cargador trucho, se rompió",  # Argentina
        "Es un timo, no lo compren",
        "Una tomadura de pelo",
        "Me dejaron plantado con la instalación",
        "Nos dejaron tirados en el aeropuerto",
    ],
)
def test_regional_blame_reads_negative(text: str) -> None:
    assert analyze(text).sentiment is Sentiment.NEGATIVE


def test_being_left_lying_is_not_being_cheap() -> None:
    # "tirado" alone says nothing ("está tirado de precio" is praise of a low price in Spain);
    # only "nos dejaron tirados" is being left stranded
    assert analyze("Está tirado de precio").score > analyze("Nos dejaron tirados").score


def test_ni_modo_is_resignation_not_a_request_for_a_mode() -> None:
    assert analyze("Ni modo, ya lo devolví").kind is not FeedbackKind.SUGGESTION
    assert analyze("Me gustaría un modo oscuro").kind is FeedbackKind.SUGGESTION


@pytest.mark.parametrize(
    "text",
    [
        "Estaría chido que la app avise cuando el repartidor ya está cerca",
        "Molaría poder pagar con Bizum",
        "Sería bacán que abrieran los domingos",
        "Ojalá pusieran más cajas los sábados",
    ],
)
def test_regional_ways_to_suggest(text: str) -> None:
    assert analyze(text).kind is FeedbackKind.SUGGESTION
