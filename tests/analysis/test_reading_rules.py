"""The reading rules added for issue 8: grammar phrases, wished-for praise, late concessions,
emphatic "never so", emoticons in Spanish, repeated question marks, the weight of what is wrong
in a mixed Spanish review, and the kind of problems asked as questions or needs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice.analysis import analyze
from clientvoice.analysis._lexicon import lexicon
from clientvoice.models import FeedbackKind, Sentiment


def score(text: str, language: str | None = None) -> float:
    return analyze(text, language).score


@pytest.mark.parametrize(
    "text",
    ["Sin embargo, fue muy agradable.", "Es sin duda muy bella.", "Sin duda lo mejor del viaje."],
)
def test_a_grammar_phrase_does_not_negate_what_follows(text: str) -> None:
    # "sin" alone negates ("sin sabor"); inside "sin embargo" / "sin duda" it does not
    assert score(text) > 0.05


def test_sin_alone_still_negates() -> None:
    assert (
        score("El personal, sin amabilidad.") < -0.05 < 0.05 < score("El personal, con amabilidad.")
    )


@pytest.mark.parametrize(
    "text",
    [
        "The food could be better.",
        "The staff should be more friendly.",
        "Podría mejorar.",
        "Deberían estar mejor organizados.",
        "El servicio podría ser más amable.",
    ],
)
def test_wished_for_praise_is_not_praise(text: str) -> None:
    assert score(text) <= 0.0


@pytest.mark.parametrize(
    "text",
    ["I would recommend it to anyone.", "That would have been perfect!", "Sería perfecto."],
)
def test_a_modal_without_a_comparative_keeps_the_praise(text: str) -> None:
    assert score(text) > 0.05


def test_a_concession_after_the_main_clause_weighs_like_but() -> None:
    # "although" opening the sentence concedes; after the main clause it objects
    assert score("Aunque es caro, vale la pena.") > 0.05
    assert score("Es bonito, aunque muy sucio.") < 0
    assert score("The room is nice, although very dirty.") < 0


def test_never_so_is_emphasis_and_not_so_is_negation() -> None:
    assert score("I have never slept so well.") > 0.05
    assert score("Nunca había comido tan bien.") > 0.05
    assert score("The service was not so good.") < -0.05
    assert score("I never liked it.") < -0.05


def test_emoticons_count_in_spanish_too() -> None:
    assert score("Llegó hoy el paquete :)", "es") > 0.05
    assert score("Llegó hoy el paquete :(", "es") < -0.05
    assert score("Otra vez tarde -_-", "es") < 0


def test_repeated_question_marks_add_emphasis() -> None:
    assert abs(score("Why is it so bad???")) > abs(score("Why is it so bad?"))


def test_what_is_wrong_weighs_more_in_a_mixed_spanish_review() -> None:
    assert lexicon("es").negative_weight > lexicon("en").negative_weight == 1.0
    spanish = lexicon("es")
    delicious, dirty = spanish.word("deliciosa"), spanish.word("sucio")
    assert delicious is not None and dirty is not None
    assert delicious.valence is not None and dirty.valence is not None
    assert delicious.valence > -dirty.valence  # the praise is the stronger word...
    # ...yet in a mixed Spanish review the complaint is what the reader remembers
    assert score("La comida estaba deliciosa y el lugar sucio.", "es") < 0.05
    # a one-sided text keeps the plain strength of its word: s / sqrt(s² + 15)
    bad = spanish.word("mal")
    assert bad is not None and bad.valence is not None
    assert score("Todo estuvo mal.", "es") == pytest.approx(
        bad.valence / (bad.valence**2 + 15) ** 0.5
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Why can't I log into my account?", FeedbackKind.COMPLAINT),
        ("¿Por qué no puedo entrar a mi cuenta?", FeedbackKind.COMPLAINT),
        ("I can't open the app. Please help.", FeedbackKind.COMPLAINT),
        ("Could someone call me back about my quote?", FeedbackKind.REQUEST),
        ("Please cancel the extra towels for room 12.", FeedbackKind.REQUEST),
        ("How do I change the email on my account?", FeedbackKind.QUESTION),
        ("The app needs a way to sort orders by date.", FeedbackKind.SUGGESTION),
        ("There should be a way to pause my plan.", FeedbackKind.SUGGESTION),
        ("A la app le falta una forma de ordenar por fecha.", FeedbackKind.SUGGESTION),
        ("No search function, I need it, please add it.", FeedbackKind.SUGGESTION),
        ("The app crashes every time, please fix it.", FeedbackKind.COMPLAINT),
        ("I feel a bit sad today.", FeedbackKind.OTHER),
    ],
)
def test_kind(text: str, kind: FeedbackKind) -> None:
    assert analyze(text).kind is kind


@pytest.mark.parametrize(
    ("text", "kind", "exclaims"),
    [
        # an opening "what a" / "how" / "qué" before a word that likes or dislikes exclaims...
        ("What a great service", FeedbackKind.PRAISE, True),
        ("What a mess", FeedbackKind.COMPLAINT, True),
        ("How rude of the driver", FeedbackKind.COMPLAINT, True),
        ("Qué chingón quedó todo", FeedbackKind.PRAISE, True),
        ("Qué pena que cerraron la tienda", FeedbackKind.COMPLAINT, True),
        ("Vaya desastre", FeedbackKind.COMPLAINT, True),
        # ...but with a question mark it asks (the cue is still shown as evidence)
        ("What a great deal, can I get it too?", FeedbackKind.QUESTION, True),
        # and without such a word right after it, it is a question word
        ("What time do you open", FeedbackKind.QUESTION, False),
        ("Qué tan bueno es el plan premium", FeedbackKind.QUESTION, False),
        ("What is the best plan for me", FeedbackKind.QUESTION, False),
    ],
)
def test_exclamations_that_open_like_questions(
    text: str, kind: FeedbackKind, exclaims: bool
) -> None:
    result = analyze(text)
    assert result.kind is kind
    assert any(cue.startswith("exclamation: ") for cue in result.cues) is exclaims


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "sin",
                "embargo",
                "duda",
                "no",
                "nunca",
                "tan",
                "so",
                "never",
                "could",
                "be",
                "better",
                "podria",
                "mejor",
                "mas",
                "aunque",
                "although",
                "pero",
                "but",
                "bueno",
                "malo",
                "good",
                "bad",
                ",",
                ".",
                "?",
                "!",
                ":)",
                ":(",
                "muy",
                "not",
                "would",
            ]
        ),
        max_size=25,
    ),
    st.sampled_from(["es", "en"]),
)
def test_any_mix_of_grammar_words_reads_without_error(words: list[str], language: str) -> None:
    result = analyze(" ".join(words), language)
    assert -1.0 <= result.score <= 1.0
    assert result.kind in FeedbackKind


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_cue_files_use_only_known_categories(language: str) -> None:
    from clientvoice.analysis import _lexicon

    known = set(_lexicon.CUE_CATEGORIES) | set(_lexicon._GRAMMAR)
    path = _lexicon.DATA / f"{language}_cues.tsv"
    lines = path.read_text("utf-8").splitlines()
    used = {line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")}
    assert used <= known
    assert {"modal", "comparative", "negator", "complaint", "suggestion"} <= used


def test_the_tokenizer_keeps_links_mentions_emoticons_and_word_chains_whole() -> None:
    from clientvoice.analysis.language import TOKEN

    text = ":) :-( <3 </3 \\o/ -_- o_o ^_^ http://x.y www.a.b @user xd :p =) 8) state-of-the-art"
    assert TOKEN.findall(text) == [
        *(":)", ":-(", "<3", "</3", "\\o/", "-_-", "o_o", "^_^"),
        *("http://x.y", "www.a.b", "@user", "xd", ":p", "=)", "8)", "state-of-the-art"),
    ]
    assert TOKEN.findall("well-made, don't: it's 3.5 stars!!") == [
        *("well", "made", ",", "don't", ":", "it's", "3.5", "stars", "!!"),
    ]


@pytest.mark.parametrize(
    "text",
    ["I couldn't be happier with the service.", "No podría estar más contenta con el servicio."],
)
def test_a_negated_comparative_idiom_is_high_praise(text: str) -> None:
    assert score(text) > 0.5


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Meh.", Sentiment.NEUTRAL),
        ("It was okay, nothing special.", Sentiment.NEUTRAL),
        ("So-so experience.", Sentiment.NEUTRAL),
        ("El hotel es regular.", Sentiment.NEUTRAL),
        # a middling word does not hide what is clearly wrong or right
        ("Regular, la comida horrible y el servicio pésimo, nunca más.", Sentiment.NEGATIVE),
        ("Nothing special at first, but the staff were amazing and so kind!", Sentiment.POSITIVE),
    ],
)
def test_a_text_that_calls_itself_so_so_is_lukewarm(text: str, sentiment: Sentiment) -> None:
    assert analyze(text).sentiment is sentiment


def test_a_middling_phrase_pulls_the_score_toward_zero() -> None:
    plain = analyze("The food was bad and the service slow.").score
    lukewarm = analyze("The food was bad and the service slow, nothing special.").score
    assert plain < lukewarm < 0


@pytest.mark.parametrize(
    ("text", "fails"),
    [
        # a product's verb, negated or after "stopped", reports a fault...
        ("It does not open", True),
        ("Pages don't load anymore", True),
        ("Videos stopped playing after the update", True),
        ("Doesn't let me log in", True),
        ("La app no abre", True),
        ("No se conecta al wifi", True),
        ("La app dejó de sincronizar", True),
        # ...not when the customer is the one not doing it, or is told not to
        ("I don't open the app much", False),
        ("We do not use it on weekends", False),
        ("Don't let the price scare you, it is amazing", False),
        ("Do not open the box before reading the manual", False),
        # nor without a negation or a halt before it
        ("It opens fast and shows everything", False),
        ("Abre rápido y muestra todo", False),
    ],
)
def test_a_product_that_fails_at_its_job_is_a_complaint(text: str, fails: bool) -> None:
    result = analyze(text)
    assert any(cue.startswith("failure: ") for cue in result.cues) is fails
    if fails:
        assert result.kind is FeedbackKind.COMPLAINT


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        # no word of any language: emoji, emoticons and written ratings still speak
        ("👍👍", Sentiment.POSITIVE),
        ("😡😡😡", Sentiment.NEGATIVE),
        ("10/10", Sentiment.POSITIVE),
        ("1/5", Sentiment.NEGATIVE),
        ("12345", Sentiment.NEUTRAL),
        # ratings and stars written among words
        ("Terrible experience, 2/10", Sentiment.NEGATIVE),
        ("Le doy 5 estrellas", Sentiment.POSITIVE),
        ("One star, the app never loads", Sentiment.NEGATIVE),
    ],
)
def test_emoji_and_written_ratings(text: str, sentiment: Sentiment) -> None:
    assert analyze(text).sentiment is sentiment


def test_a_text_without_words_keeps_an_undetermined_language() -> None:
    result = analyze("👍👍")
    assert result.language == "und" and result.to_analysis().language is None


@pytest.mark.parametrize(
    "text",
    [
        "Felt like a conveyor belt.",  # "like" compares here: it does not like anything
        "It looks like the order was split.",
        "I'd like a refund for the broken lamp.",
    ],
)
def test_like_that_compares_is_not_praise(text: str) -> None:
    assert analyze(text).score <= 0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a question announced or reported, anywhere in the text (call-centre notes)
        ("Quisiera saber qué documentos necesito para abrir una cuenta.", FeedbackKind.QUESTION),
        ("Customer asked whether the clinic takes her insurance.", FeedbackKind.QUESTION),
        ("Cliente consulta si hay envío a Valparaíso.", FeedbackKind.QUESTION),
        ("How long does shipping to Alaska take", FeedbackKind.QUESTION),
        # a request reported by an agent, and thanks announced with "I want to"
        ("Cliente solicita cambio de titularidad del contrato.", FeedbackKind.REQUEST),
        ("Customer requests a copy of the March invoice.", FeedbackKind.REQUEST),
        ("Quiero agradecer a la enfermera del turno de noche.", FeedbackKind.PRAISE),
        ("I want to thank the night shift nurses.", FeedbackKind.PRAISE),
        # money taken without reason
        ("Total rip-off, paying for 500 Mbps and getting 30.", FeedbackKind.COMPLAINT),
        ("Cobran comisión por todo, hasta por consultar el saldo.", FeedbackKind.COMPLAINT),
    ],
)
def test_kinds_in_notes_and_money(text: str, kind: FeedbackKind) -> None:
    assert analyze(text).kind is kind


@pytest.mark.parametrize(
    "text",
    [
        # words that name a risk only in some uses
        "Sería útil que la factura mostrara el consumo por franja horaria.",
        "Por la alta demanda, el envío tarda un poco.",
        "A mi juicio el servicio es bueno.",
        "Se cayó la página un momento, ya funciona.",
        "Solicito copia de mi historia clínica para presentarla en otro hospital.",
        "Quiero agradecer al personal de urgencias.",
        "I don't recall ordering this.",
        "The food court was clean.",
        "Blood test results came back quickly, thank you.",
        "Room was non-smoking as requested.",
    ],
)
def test_words_that_name_a_risk_only_in_some_uses(text: str) -> None:
    assert not analyze(text).risks & {"safety", "legal"}


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("Terminé en urgencias por una reacción alérgica.", "safety"),
        ("My son ended up in the hospital after eating there.", "safety"),
        ("Hay olor a gas en el edificio.", "safety"),
        ("Voy a poner una demanda.", "legal"),
        ("See you in court.", "legal"),
        ("Los voy a denunciar en consumo.", "legal"),
    ],
)
def test_the_same_risks_said_plainly(text: str, risk: str) -> None:
    assert risk in analyze(text).risks


@pytest.mark.parametrize(
    ("text", "sentiment", "kind"),
    [
        # praise marked as ironic, next to a fault, means the other way...
        (
            "40 min on hold just to get cut off. Cheers for that, really brilliant service.",
            Sentiment.NEGATIVE,
            FeedbackKind.COMPLAINT,
        ),
        (
            "Oh great, another outage in the middle of my workday. I can't work 🙄",
            Sentiment.NEGATIVE,
            FeedbackKind.COMPLAINT,
        ),
        (
            "Qué buen servicio eh, 40 minutos en espera para que al final me cuelguen 🙃",
            Sentiment.NEGATIVE,
            FeedbackKind.COMPLAINT,
        ),
        # ...but without a fault beside it, it is praise
        ("Oh great, it arrived early!", Sentiment.POSITIVE, FeedbackKind.PRAISE),
        ("Love it 🙃", Sentiment.POSITIVE, FeedbackKind.PRAISE),
    ],
)
def test_irony_next_to_a_fault(text: str, sentiment: Sentiment, kind: FeedbackKind) -> None:
    result = analyze(text)
    assert (result.sentiment, result.kind) == (sentiment, kind)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a polite request in the conditional asks for an action, also with a question mark
        ("Could you send the invoice made out to my company?", FeedbackKind.REQUEST),
        ("¿Me podrían dar de alta la banca por internet?", FeedbackKind.REQUEST),
        ("Could you add a dark mode?", FeedbackKind.SUGGESTION),
        # "can you" may ask what is possible: it stays a question
        ("Can you ship to Canada?", FeedbackKind.QUESTION),
        # a yes/no question opens with its verb, also after a greeting and without "?"
        ("does the 200mb plan include installation or is that extra", FeedbackKind.QUESTION),
        ("Hi, does the travel policy cover rafting", FeedbackKind.QUESTION),
        ("Hola, cuál es el horario del sábado", FeedbackKind.QUESTION),
        # not after a sentence of its own
        ("The app crashed twice. Is it going to be fixed", FeedbackKind.COMPLAINT),
    ],
)
def test_polite_requests_and_plain_questions(text: str, kind: FeedbackKind) -> None:
    assert analyze(text).kind is kind


def test_spanish_laughter_tells_the_language() -> None:
    assert analyze("jajaja").language == "es"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a sign-off is no praise, and opening hours are no wait
        ("Kind regards, John", FeedbackKind.OTHER),
        ("¿Cuál es el horario? Atentamente, Ana", FeedbackKind.QUESTION),
        ("Can you tell me the opening hours?", FeedbackKind.QUESTION),
        ("¿Cuáles son las horas de atención del sábado?", FeedbackKind.QUESTION),
        ("Waited for hours on the phone and nobody answered", FeedbackKind.COMPLAINT),
        ("Llevo horas esperando a que me atiendan", FeedbackKind.COMPLAINT),
    ],
)
def test_sign_offs_and_hours(text: str, kind: FeedbackKind) -> None:
    result = analyze(text)
    assert result.kind is kind
    if kind is not FeedbackKind.COMPLAINT:
        assert result.sentiment is Sentiment.NEUTRAL


def test_wanting_is_not_liking() -> None:
    assert analyze("Hi, I would like to change my address.").sentiment is Sentiment.NEUTRAL


@pytest.mark.parametrize(
    "text",
    [
        # how customers tell a service that failed them, without "problem" or "bad"
        "Sigo sin internet desde el lunes",
        "Me cortaron la luz sin aviso",
        "Me colgaron la llamada",
        "No me hacen ni caso",  # double negation is emphasis in Spanish: still negative
        "No me dan ninguna solución",
        "Me dieron largas y me mandan de un lado a otro",
        "Me siguen cobrando el seguro",
        "Los cortes de luz son constantes",
        "They cut off my power without notice",
        "I still haven't got my money back",
        "They made me wait two hours",
        "I keep getting passed from one department to another",
        "They keep giving me the runaround",
        "They scammed me",
        "Item was not as described",
        "I was double billed",
        "Agent was dismissive and condescending",
        "Took forever to get a response",
        "Overpriced for what you get",
    ],
)
def test_a_service_that_failed_the_customer(text: str) -> None:
    result = analyze(text)
    assert result.kind is FeedbackKind.COMPLAINT
    assert result.sentiment is Sentiment.NEGATIVE


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        # words of several meanings take the plainest one
        ("Me siguen cobrando el seguro", Sentiment.NEGATIVE),  # "seguro": insurance, not safe
        ("Personal cortés y amable", Sentiment.POSITIVE),  # "cortés", not power cuts
        ("Tenía cita a las 10 y me atendieron a las 12", Sentiment.NEUTRAL),
        ("I got my money back quickly, thanks!", Sentiment.POSITIVE),
    ],
)
def test_words_of_several_meanings(text: str, sentiment: Sentiment) -> None:
    assert analyze(text).sentiment is sentiment


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # praise denied is no praise
        ("Not impressed", FeedbackKind.OTHER),
        ("No me encanta", FeedbackKind.OTHER),
        ("It was not great", FeedbackKind.COMPLAINT),
        # ...while phrases that open with a negation still praise
        ("No problem at all, thanks", FeedbackKind.PRAISE),
        ("I have no complaints", FeedbackKind.PRAISE),
        ("Staff went above and beyond", FeedbackKind.PRAISE),
        ("Customer service was a breeze", FeedbackKind.PRAISE),
    ],
)
def test_praise_denied_and_praise_said_with_a_negation(text: str, kind: FeedbackKind) -> None:
    assert analyze(text).kind is kind


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("El producto no es como en la foto", None),
        ("La actualización lo arruinó todo", None),
        ("No me gustó nada la atención", None),
        ("Pedí una pizza y llegó fría", None),
        ("The pizza arrived cold", None),
        ("No hay quien conteste en atención al cliente", None),
        ("Nunca más vuelvo", "cancellation"),
        ("No vuelvo a ese lugar", "cancellation"),
    ],
)
def test_spanish_and_english_disappointments(text: str, risk: str | None) -> None:
    result = analyze(text)
    assert (result.kind, result.sentiment) == (FeedbackKind.COMPLAINT, Sentiment.NEGATIVE)
    assert result.risks == (frozenset() if risk is None else frozenset({risk}))


@pytest.mark.parametrize(
    "text",
    [
        # what customers of shops, utilities, repairs and hotels commonly write in Spanish
        "El pedido llegó incompleto",
        "Faltan piezas en la caja",
        "Me mandaron la talla equivocada",
        "El paquete llegó abierto",
        "La caja venía golpeada",
        "No me respetaron el precio",
        "El cajero me trató con desprecio",
        "Me atendió de muy mala gana",
        "Me tuvieron dando vueltas",
        "El técnico vino y no arregló nada",
        "Ya lo reparé dos veces y vuelve a fallar",
        "Me bloquearon la cuenta sin razón",
        "Me dieron de baja sin avisar",
        "Me llaman a todas horas para venderme cosas",
        "Huele a drenaje en el baño",
        "La comida estaba cruda",
        "Me sirvieron la carne quemada",
        "El mesero nunca volvió",
        "El internet se cae a cada rato",
    ],
)
def test_common_spanish_complaints(text: str) -> None:
    result = analyze(text)
    assert (result.kind, result.sentiment) == (FeedbackKind.COMPLAINT, Sentiment.NEGATIVE)


@pytest.mark.parametrize(
    "text",
    [
        # a defect denied is no complaint
        "La carne estaba en su punto, nada quemada",
        "No estaba sucio, todo bien",
        "It was not broken at all, works great",
        "Huele a pan recién hecho, delicioso",
        "La tienda está abierta hasta las 10",
    ],
)
def test_a_defect_denied_is_no_complaint(text: str) -> None:
    assert analyze(text).kind is not FeedbackKind.COMPLAINT


@pytest.mark.parametrize(
    "text",
    [
        # what customers of shops, utilities, repairs and hotels commonly write in English
        "The order arrived incomplete",
        "The package arrived open",
        "The box was crushed",
        "They did not honor the advertised price",
        "There is a charge on my card I do not recognize",
        "The clerk served me with an attitude",
        "Everyone tells me something different",
        "They kept me going in circles",
        "I wasted my whole morning",
        "The technician came and fixed nothing",
        "They refuse to honor the warranty",
        "The internet drops all the time",
        "They locked my account for no reason",
        "They renewed my subscription without my permission",
        "I was without power for three days",
        "The bathroom smells like sewage",
        "There were cockroaches in the room",
        "The steak was burnt",
        "It took an hour to get our food",
        "They changed my seat without telling me",
    ],
)
def test_common_english_complaints(text: str) -> None:
    result = analyze(text)
    assert (result.kind, result.sentiment) == (FeedbackKind.COMPLAINT, Sentiment.NEGATIVE)


def test_being_called_by_them_is_no_request_to_be_called() -> None:
    assert analyze("They call me at all hours to sell me stuff").follow_up_intent is False
    assert analyze("Please call me back tomorrow").follow_up_intent is True
