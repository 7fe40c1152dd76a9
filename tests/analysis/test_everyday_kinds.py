"""Every kind, as customers commonly say it, in both languages: 20 short messages a kind.

Written by the clientvoice developers as a check that each kind is recognised in its plainest
forms (praise that mentions a problem solved, suggestions as imperatives, questions that contain
a problem word, requests to cancel or to sign up), not only in the forms the cue lists began with.
"""

from __future__ import annotations

import pytest

from clientvoice.analysis import analyze

CASES = {
    "praise": [
        "Muy buena atención, volveré",
        "Todo perfecto, gracias",
        "Excelente servicio, muy rápidos",
        "Me resolvieron el problema en cinco minutos",
        "El chico de soporte fue un amor",
        "Súper recomendados",
        "Quedé muy satisfecho",
        "Superó mis expectativas",
        "Llegó antes de lo previsto",
        "Cumplieron con todo lo prometido",
        "Great service, will come back",
        "Everything was perfect, thanks",
        "Super fast delivery",
        "They solved my problem in five minutes",
        "The support guy was a gem",
        "Highly recommended",
        "Very satisfied",
        "Exceeded my expectations",
        "Arrived earlier than expected",
        "They delivered on everything they promised",
    ],
    "suggestion": [
        "Deberían tener más cajas abiertas",
        "Sería bueno poder pagar con tarjeta",
        "Les sugiero ampliar el horario",
        "Podrían agregar modo oscuro",
        "Estaría bien que avisaran por SMS",
        "Pongan más mesas afuera",
        "Hace falta un estacionamiento más grande",
        "Propongo que haya una fila preferente",
        "Me gustaría que tuvieran opciones veganas",
        "Ojalá abrieran los domingos",
        "You should have more checkouts open",
        "It would be nice to pay by card",
        "I suggest extending opening hours",
        "Please add a dark mode",
        "Would be great to get SMS alerts",
        "Put more tables outside",
        "A bigger parking lot is needed",
        "How about a priority line",
        "I would love to see vegan options",
        "Wish you were open on Sundays",
    ],
    "question": [
        "¿A qué hora abren?",
        "¿Tienen envío a domicilio?",
        "¿Cuánto cuesta el plan familiar?",
        "¿Aceptan tarjeta?",
        "¿Dónde puedo ver mi factura?",
        "Quería saber si tienen estacionamiento",
        "¿Se puede reservar por teléfono?",
        "¿Hasta cuándo es la promoción?",
        "¿Hacen factura?",
        "¿El precio incluye IVA?",
        "What time do you open?",
        "Do you deliver?",
        "How much is the family plan?",
        "Do you take cards?",
        "Where can I see my invoice?",
        "I wanted to know if you have parking",
        "Can I book by phone?",
        "When does the promotion end?",
        "Do you issue invoices?",
        "Does the price include tax?",
    ],
    "request": [
        "Por favor cancelen mi pedido",
        "Necesito cambiar la dirección de entrega",
        "Quiero darme de baja del boletín",
        "Envíenme la factura por correo",
        "Por favor actualicen mis datos",
        "Necesito una copia del contrato",
        "Favor de llamarme mañana",
        "Quisiera reprogramar mi cita",
        "Cámbienme el plan al básico",
        "Denme de alta en el programa de puntos",
        "Please cancel my order",
        "I need to change the delivery address",
        "Unsubscribe me from the newsletter",
        "Send me the invoice by email",
        "Please update my details",
        "I need a copy of the contract",
        "Please call me tomorrow",
        "I would like to reschedule my appointment",
        "Switch me to the basic plan",
        "Sign me up for the rewards program",
    ],
}


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, texts in CASES.items() for text in texts]
)
def test_everyday_kinds(kind: str, text: str) -> None:
    assert analyze(text).kind.value == kind


def test_a_calm_cancellation_is_a_request_and_still_urgent() -> None:
    result = analyze("Please cancel my order")
    assert result.kind.value == "request"
    assert "cancellation" in result.risks and result.urgency.value == "high"


def test_a_threat_to_leave_is_still_a_complaint() -> None:
    result = analyze("Si no lo arreglan para el viernes me cambio a otra compañía.")
    assert result.kind.value == "complaint" and "cancellation" in result.risks
