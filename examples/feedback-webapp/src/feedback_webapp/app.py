"""A Flask application that hears customers through a feedback form and keeps what they say.

The whole integration with clientvoice is three things: one :class:`~clientvoice.Listener` per
process, made by the app factory; a ``web`` channel that reads this form's own field names; and
one call to ``listener.hear("web", ...)`` in the view that receives the form. Everything else
(cases, service levels, messages to the customer) happens in clientvoice, outside the request.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

import clientvoice
from clientvoice import Heard, Listener, ValidationError
from clientvoice.channels import WebhookChannel

__all__ = ["FORM_FIELDS", "WebForm", "create_app", "listener_of"]

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

_LISTENER = "clientvoice"
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
    **listener_options: Any,
) -> Flask:
    """The feedback application, with its own listener on the store ``store_url`` names.

    :param store_url: where feedback is kept (``"sqlite:///path.db"``, ``"memory://"``...).
    :param secret_key: signs the session cookie that carries the form's CSRF token. A random
        key if omitted: fine for one process, but give every process of a deployment the same.
    :param listener_options: passed to :meth:`Listener.open <clientvoice.Listener.open>`
        (``clock``, ``autoload``...), after this application's own plugin.
    """
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret_key if secret_key is not None else secrets.token_bytes(32)
    plugins = [WebForm(), *listener_options.pop("plugins", ())]
    # One listener per process: it holds the store's connections and the plugin manager.
    app.extensions[_LISTENER] = Listener.open(store_url, plugins=plugins, **listener_options)

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

    return app


def listener_of(app: Flask) -> Listener:
    """The listener :func:`create_app` made for ``app``."""
    listener: Listener = app.extensions[_LISTENER]
    return listener


# -- helpers --------------------------------------------------------------------------------


def _render_form(error: tuple[str, str] | None = None) -> str:
    if _CSRF not in session:
        session[_CSRF] = secrets.token_urlsafe(32)
    return render_template(
        "form.html",
        csrf_token=session[_CSRF],
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
