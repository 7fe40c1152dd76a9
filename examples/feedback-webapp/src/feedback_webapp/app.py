"""A Flask application that hears customers through a feedback form and a survey link page.

The whole integration with clientvoice is a few things: one :class:`~clientvoice.Listener` per
process, made by the app factory; a ``web`` channel that reads this form's own field names; one
call to ``listener.hear("web", ...)`` in the view that receives the form; and a survey service
(:class:`~clientvoice.surveys.service.Surveys`) whose invitations link to this application's own
``/survey`` page, where the customer answers. Everything else (cases, service levels, messages to
the customer) happens in clientvoice, outside the request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

import clientvoice
from clientvoice import Heard, Listener, SystemClock, ValidationError, open_store
from clientvoice.channels import WebhookChannel
from clientvoice.surveys import (
    SCALES,
    ContactBudget,
    InvitationPolicy,
    QuestionKind,
    TokenSigner,
    Trigger,
    nps_survey,
)
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.service import OpenedLink, Surveys

__all__ = [
    "FORM_FIELDS",
    "SURVEY_PATH",
    "SURVEY_POLICY",
    "WebForm",
    "create_app",
    "listener_of",
    "surveys_of",
]

FORM_FIELDS = {
    "external_id": "submission",
    "customer.name": "name",
    "customer.email": "email",
    "text": "message",
    "csat": "rating",
    "follow_up_requested": "follow_up",
}
"""Which record field each form field fills (see the record reference). ``submission`` is a
hidden field with a fresh id per rendered form, so a form posted twice is heard once."""

SURVEY_PATH = "/survey"
"""The page survey invitations link to (``/survey?token=...``)."""

SURVEY_POLICY = InvitationPolicy(
    "nps",
    trigger=Trigger(kinds={"order"}),
    delay=timedelta(days=1),
    fatigue=timedelta(days=90),
    budget=ContactBudget(max_contacts=3, period=timedelta(days=7)),
    expires_after=timedelta(days=14),
)
"""Ask for a Net Promoter Score a day after each order (an interaction whose
``metadata["kind"]`` is ``"order"``), at most once in 90 days per customer, within a budget
of three contacts a week; the link stays good for 14 days."""

_LISTENER = "clientvoice"
_SURVEYS = "clientvoice.surveys"
_CSRF = "csrf_token"


class WebForm:
    """A host plugin: the ``web`` channel reads this form's field names (:data:`FORM_FIELDS`).

    Host plugins are called before the built-in ones, so this channel replaces the built-in
    ``web`` channel for this application's listener only.
    """

    @clientvoice.hookimpl
    def clientvoice_register_channels(self, register: Any) -> None:
        """Register the form's ``web`` channel."""
        register(WebhookChannel("web", fields=FORM_FIELDS))


def create_app(
    store_url: str = "sqlite:///feedback.db",
    *,
    secret_key: str | bytes | None = None,
    public_url: str = "http://127.0.0.1:5000",
    survey_policy: InvitationPolicy = SURVEY_POLICY,
    **listener_options: Any,
) -> Flask:
    """The feedback application, with its own listener on the store ``store_url`` names.

    :param store_url: where feedback is kept (``"sqlite:///path.db"``, ``"memory://"``...).
    :param secret_key: signs the session cookie that carries the forms' CSRF token, and (a key
        derived from it) the survey links. A random key if omitted: fine for one process, but
        give every process of a deployment the same, long and random.
    :param public_url: where customers reach this application: survey links in e-mails point
        to its :data:`SURVEY_PATH` page.
    :param survey_policy: when to invite customers to the NPS survey.
    :param listener_options: passed to :class:`~clientvoice.Listener` (``clock``,
        ``autoload``...), after this application's own plugins.
    """
    app = Flask(__name__)
    secret = secret_key if secret_key is not None else secrets.token_bytes(32)
    app.config["SECRET_KEY"] = secret
    clock = listener_options.pop("clock", None) or SystemClock()
    store = open_store(store_url)
    surveys = Surveys(
        store,
        signer=TokenSigner(_survey_key(secret)),
        surveys=[nps_survey()],
        policies=[survey_policy],
        # The survey form posts the CSRF token too: a field of this application, not an answer.
        backends=[LinkBackend(public_url.rstrip("/") + SURVEY_PATH, ignore={_CSRF})],
        clock=clock,
    )
    plugins = [WebForm(), surveys, *listener_options.pop("plugins", ())]
    # One listener per process: it holds the store's connections and the plugin manager.
    app.extensions[_LISTENER] = Listener(store, plugins=plugins, clock=clock, **listener_options)
    app.extensions[_SURVEYS] = surveys

    @app.get("/")
    def feedback_form() -> str:
        return _render_form()

    @app.post("/feedback")
    def receive_feedback() -> Response | tuple[str, int]:
        _check_same_origin()
        _check_csrf_token()
        if not request.form.get("message", "").strip():
            return _render_form(error=("message", "please tell us what happened")), 400
        try:
            heard = listener_of(app).hear("web", request.form.to_dict())
        except ValidationError as error:
            return _render_form(error=(_form_field(error.field), error.reason)), 400
        # Post/Redirect/Get: reloading the thank-you page does not post the form again. What
        # it shows travels in the signed session cookie, not in the URL (nor the server's logs).
        if heard:  # empty when the browser posted the same form twice: it was heard already
            session["heard"] = _what_we_heard(heard[0])
        return redirect(url_for("thank_you"), code=303)

    @app.get("/thanks")
    def thank_you() -> str:
        heard = session.get("heard") or {}
        return render_template("thanks.html", name=heard.get("name"), case=heard.get("case"))

    @app.get(SURVEY_PATH)
    def survey_page() -> Response | tuple[Response, int]:
        # The token is checked before anything is shown: a refused link shows only why.
        opened = surveys.open_link(request.args.get("token"), now=clock.now())
        if opened.refused is not None:
            return _refuse_link(opened)
        return _no_store(_render_survey(opened))

    @app.post(SURVEY_PATH)
    def receive_answer() -> Response | tuple[Response, int]:
        _check_same_origin()
        _check_csrf_token()
        now = clock.now()
        # One call checks the answer, stores it as feedback on the `survey` channel (linked to
        # the order the invitation asked about) and uses the link up, in an order no crash can
        # break. The CSRF field is not an answer: the link backend ignores it (see create_app).
        fields = request.form.to_dict(flat=False)  # a field sent twice is refused, not lost
        report = surveys.answer(listener_of(app), "link", fields, now=now)
        # What the link allows now (used, once answered), and the language to answer in.
        opened = surveys.open_link(request.form.get("token"), now=now)
        if report.rejected:  # kept in the dead letters too, with the reason
            if opened.refused is not None:  # not ours, expired, or answered (from another tab)
                return _refuse_link(opened)
            # A bad answer (no score, a score out of range) does not use the link up: the
            # customer sees the form again, with what they typed, and the answer to fix.
            (refused,) = report.rejected
            wrong = (refused.field or "answers").removeprefix("answers.")
            return _no_store(_render_survey(opened, error=wrong)), 400
        session["survey_language"] = opened.language
        return redirect(url_for("survey_thanks"), code=303)

    @app.get(SURVEY_PATH + "/thanks")
    def survey_thanks() -> str:
        language = session.get("survey_language") or _browser_language()
        return render_template("survey_thanks.html", lang=language, text=_texts(language))

    @app.cli.command("invite-surveys")
    def invite_surveys() -> None:
        """Invite customers after their recent orders, as the survey policy allows."""
        click.echo(surveys.invite_after(clock.now()))

    return app


def listener_of(app: Flask) -> Listener:
    """The listener :func:`create_app` made for ``app``."""
    listener: Listener = app.extensions[_LISTENER]
    return listener


def surveys_of(app: Flask) -> Surveys:
    """The survey service :func:`create_app` configured for ``app``: run
    ``surveys_of(app).invite_after(now)`` from a scheduler to invite after recent orders."""
    surveys: Surveys = app.extensions[_SURVEYS]
    return surveys


# -- helpers --------------------------------------------------------------------------------


def _csrf_token() -> str:
    if _CSRF not in session:
        session[_CSRF] = secrets.token_urlsafe(32)
    return str(session[_CSRF])


def _render_form(error: tuple[str, str] | None = None) -> str:
    return render_template(
        "form.html",
        csrf_token=_csrf_token(),
        # A failed post keeps its submission id, so correcting it still posts it once.
        submission=request.form.get("submission") or uuid.uuid4().hex,
        values=request.form,
        error=error,
    )


def _check_same_origin() -> None:
    """Refuse a post that a browser says comes from another site."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return  # not a browser, or one that sends neither: the token still has to match
    sent_from = urlsplit(origin)
    if (sent_from.scheme, sent_from.netloc) != (request.scheme, request.host):
        abort(403, description="the form was posted from another site")


def _check_csrf_token() -> None:
    expected = session.get(_CSRF)
    given = request.form.get(_CSRF, "")
    if not expected or not hmac.compare_digest(str(expected), given):
        abort(403, description="the form expired or was not ours: reload it and try again")


def _form_field(field: str) -> str:
    """The form's name for a record field named in an error (``customer.email`` → ``email``)."""
    field = field.replace("customer.contacts.", "customer.")  # where e-mail addresses are kept
    for record_field, form_field in FORM_FIELDS.items():
        if field == record_field or field.startswith(record_field + "."):
            return form_field
    return field


def _what_we_heard(item: Heard) -> dict[str, str | None]:
    """The customer's name, and the case their feedback opened, if it opened one."""
    case_id = None
    if item.feedback is not None:
        store = listener_of(current_app).store
        for case in store.iter_cases(customer_id=item.customer.id):
            if case.feedback_id == item.feedback.id:
                case_id = case.id
    return {"name": item.customer.address_name, "case": case_id}


def _survey_key(secret: str | bytes) -> bytes:
    """The survey links' signing key: derived from the application's secret, so that one secret
    is configured but the session cookie and the links are never signed with the same key."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, b"clientvoice survey links", hashlib.sha256).digest()


def _render_survey(opened: OpenedLink, error: str | None = None) -> str:
    """The survey's questions in the invitation's language, each score as a row of choices."""
    language = opened.language or "en"
    assert opened.survey is not None
    titles = opened.survey.title
    return render_template(
        "survey.html",
        lang=language,
        text=_texts(language),
        title=titles.get(_base(language)) or titles.get("en") or opened.survey.id,
        survey=opened.survey,
        token=request.values.get("token"),
        csrf_token=_csrf_token(),
        values=request.form,
        error=error,
        scales=SCALES,
        text_kind=QuestionKind.TEXT,
    )


def _refuse_link(opened: OpenedLink) -> tuple[Response, int]:
    """A polite page saying why the link cannot be answered, and nothing else: 400 for a link
    that is not ours, 410 (gone) for one that expired or was answered already."""
    assert opened.refused is not None
    language = opened.language or _browser_language()
    page = render_template(
        "survey_refused.html", lang=language, text=_texts(language), code=opened.refused.code
    )
    return _no_store(page), 400 if opened.refused.code == "invalid" else 410


def _no_store(page: str) -> Response:
    """A page reached through a survey link: kept by no cache, and the link (its token) sent
    as a referrer to this site only."""
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _browser_language() -> str:
    return request.accept_languages.best_match(sorted(_TEXTS)) or "en"


def _texts(language: str) -> dict[str, str]:
    return _TEXTS.get(_base(language), _TEXTS["en"])


def _base(language: str) -> str:
    """The base language of a language tag (``"es"`` for ``"es-MX"``)."""
    return language.replace("_", "-").split("-")[0].lower()


_TEXTS = {
    "en": {
        "send": "Send",
        "optional": "optional",
        "low": "Not at all likely",
        "high": "Extremely likely",
        "fix": "Please check this answer",
        "pick": "Please pick a score",
        "thanks": "Thank you for your answer",
        "thanks_more": "It helps us do better. You can close this page.",
        "invalid_title": "This survey link does not work",
        "invalid": "Please open the link exactly as it came in our message.",
        "expired_title": "This survey has closed",
        "expired": "The link was good for a limited time, which has passed. Thank you anyway.",
        "used_title": "You have answered this survey already",
        "used": "We have your answer: thank you. Each survey link takes one answer.",
    },
    "es": {
        "send": "Enviar",
        "optional": "opcional",
        "low": "Nada probable",
        "high": "Muy probable",
        "fix": "Revise esta respuesta",
        "pick": "Elija una puntuación",
        "thanks": "Gracias por su respuesta",
        "thanks_more": "Nos ayuda a mejorar. Ya puede cerrar esta página.",
        "invalid_title": "Este enlace de encuesta no funciona",
        "invalid": "Abra el enlace tal como llegó en nuestro mensaje.",
        "expired_title": "Esta encuesta ya se cerró",
        "expired": "El enlace era válido por un tiempo limitado, que ya pasó. Gracias igualmente.",
        "used_title": "Ya respondió esta encuesta",
        "used": "Tenemos su respuesta: gracias. Cada enlace de encuesta admite una respuesta.",
    },
}
