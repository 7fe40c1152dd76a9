"""Surveys at work: invite customers through a policy, take their answers back as feedback.

:class:`Surveys` ties the pieces to one store: survey definitions, invitation policies, the token
signer and the survey backends. It is also a plugin: pass it to the
:class:`~clientvoice.Listener` (``plugins=[surveys]``) and it registers its configured backends
and turns each closed case's follow-up into a real invitation, under the same policy, fatigue and
contact budget as every other invitation.

- :meth:`Surveys.invite` decides one :class:`~clientvoice.surveys.invitations.Occasion`; when the
  policy says yes it stores the invitation, and in the same transaction queues the invitation
  message (for backends that give a link) and adds a ``survey.invited`` event (whose data carry
  the link or the vendor payload, for a plugin to post);
- :meth:`Surveys.invite_after` walks recent interactions and invites where the policies allow,
  returning counts of what was sent and what was not, by reason;
- :meth:`Surveys.answer` takes what a backend posted and, in one call, verifies it, checks each
  response, stores it as feedback (channel ``survey``, linked to the interaction it asked about)
  and uses its token up, so that no crash loses an answer and no invitation gets two; refusals
  (bad, expired, unknown or reused token, out-of-range answer, forged signature) come back in
  the report with their reasons and are kept in the dead letters;
- :meth:`Surveys.receive` is the lower-level step: it verifies, parses and checks posted
  responses and uses their tokens up at once, leaving the records for the caller to ingest;
- :meth:`Surveys.open_link` tells the page a survey link opens whether the link may be answered
  (or why not: invalid, expired, used) and which survey to show, without using the link up.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from clientvoice._ids import stable_digest, stable_id
from clientvoice.channels.records import parse_record
from clientvoice.clock import Clock, SystemClock
from clientvoice.errors import (
    ConfigurationError,
    NotFoundError,
    PluginError,
    SignatureError,
    TemplateError,
    ValidationError,
)
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import IngestReport, Listener
from clientvoice.messages.compose import TemplateLookup, compose, format_when, template_language
from clientvoice.messages.templates import MessageTemplate
from clientvoice.models import (
    Case,
    Customer,
    DeliveryStatus,
    Direction,
    Event,
    Interaction,
    MessageKind,
    Rejection,
)
from clientvoice.stores.base import Store
from clientvoice.surveys import SignedSurveyBackend, SurveyBackend, SurveyResponse
from clientvoice.surveys.definitions import QuestionKind, Survey
from clientvoice.surveys.invitations import (
    SURVEY_INVITATION,
    Contact,
    Decision,
    Invitation,
    InvitationPolicy,
    Occasion,
    Reason,
)
from clientvoice.surveys.tokens import TokenSigner

__all__ = [
    "ANSWERING_KINDS",
    "INVITATION_TEMPLATES",
    "SENDERS",
    "InvitationReport",
    "OpenedLink",
    "Received",
    "StoreContactHistory",
    "Surveys",
    "answer_external_id",
    "later_words_external_id",
]

ANSWERING_KINDS: frozenset[MessageKind] = frozenset(
    {MessageKind.ACKNOWLEDGEMENT, MessageKind.APOLOGY, MessageKind.RESOLUTION}
)
"""Messages that answer the customer's own request: never refused by the contact budget, but
counted by it."""

INVITATION_TEMPLATES: Mapping[str, MessageTemplate] = {
    "en": MessageTemplate(
        "{survey_title}: one question",
        """{greeting}

{question}

Answer here: {link}

It takes a minute, and the link works until {expires}.

{sender}""",
    ),
    "es": MessageTemplate(
        "{survey_title}: una pregunta",
        """{greeting}

{question}

Puede responder aquí: {link}

Le llevará un minuto; el enlace funciona hasta el {expires}.

{sender}""",
    ),
}
"""The invitation message when no plugin gives a ``survey_invitation`` template. The Spanish
one addresses the customer as *usted*, as the built-in surveys' questions do."""

SENDERS: Mapping[str, str] = {
    "en": "The customer care team",
    "es": "El equipo de atención al cliente",
}
"""How invitation messages are signed, by language, unless :class:`Surveys` is given a
``sender``."""


class StoreContactHistory:
    """The :class:`~clientvoice.surveys.invitations.ContactHistory` of a store: its survey
    invitations and every message to the customer (queued or sent; failed and unreachable ones
    did not reach the customer and do not count). Invitation messages are counted once, as
    invitations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def contacts(self, customer_id: str, since: datetime) -> list[Contact]:
        """The customer's invitations and messages at or after ``since``, oldest first."""
        found = [
            Contact(inv.send_at, SURVEY_INVITATION, inv.channel, ref=inv.id)
            for inv in self.store.iter_invitations(customer_id=customer_id, since=since)
        ]
        for stored in self.store.iter_messages(customer_id=customer_id, since=since):
            message = stored.message
            if message.kind is MessageKind.SURVEY_INVITATION or stored.status in (
                DeliveryStatus.FAILED,
                DeliveryStatus.UNREACHABLE,
            ):
                continue
            found.append(
                Contact(
                    message.created_at,
                    message.kind.value,
                    message.channel,
                    answered_request=message.kind in ANSWERING_KINDS,
                    ref=message.id,
                )
            )
        return sorted(found, key=lambda contact: contact.at)


@attrs.frozen
class InvitationReport:
    """What :meth:`Surveys.invite_after` did: how many invitations were sent, and why the others
    were not (counts by :class:`~clientvoice.surveys.invitations.Reason` code; an occasion with
    several reasons counts under its first). Interactions that no policy's trigger accepts are
    not candidates: they are counted apart, in ``not_triggered``, as are the occasions invited
    earlier (``already_invited``)."""

    sent: int = 0
    not_sent: Mapping[str, int] = attrs.field(factory=dict)
    delayed_by_quiet_hours: int = 0
    already_invited: int = 0
    not_triggered: int = 0

    def __str__(self) -> str:
        refused = ", ".join(f"{code} {count}" for code, count in sorted(self.not_sent.items()))
        text = f"invitations sent {self.sent}"
        if self.delayed_by_quiet_hours:
            text += f" ({self.delayed_by_quiet_hours} moved past quiet hours)"
        return text + f", not sent: {refused or 'none'}"


@attrs.frozen
class Received:
    """What :meth:`Surveys.receive` made of one posted payload: records to ingest (channel
    ``survey``) and rejections to keep in the dead letters, under ``source``."""

    source: str
    records: list[dict[str, Any]]
    rejections: list[Rejection]


@attrs.frozen
class OpenedLink:
    """What a survey link's token allows at one instant (:meth:`Surveys.open_link`).

    ``refused`` is None when the customer may answer now. Otherwise its ``code`` says why not:
    ``invalid`` (missing, malformed or forged, signed with a retired key, or naming an
    invitation or survey that is not known), ``expired`` or ``used`` (the invitation was
    answered already), and its ``detail`` says more in words (never the key).

    ``invitation`` and ``survey`` are set whenever the token is authentic and names a known
    invitation, even an expired or used one, so that a refusal too can be worded in the
    customer's language.
    """

    refused: Reason | None
    invitation: Invitation | None = None
    survey: Survey | None = None

    @property
    def language(self) -> str | None:
        """The language the invitation was sent in, when the invitation is known."""
        return self.invitation.language if self.invitation is not None else None


class Surveys:
    """Survey definitions, invitation policies, token signer and backends, on one store.

    :param store: where invitations, their tokens' claims and messages are kept.
    :param signer: signs and verifies the tokens invitations carry.
    :param surveys: the survey definitions, by their ``id``.
    :param policies: invitation policies, tried in order: the first whose trigger matches an
        occasion decides it.
    :param backends: configured survey backends; they are registered with the Listener when
        this object is passed to it as a plugin, and override the unconfigured built-ins.
    :param follow_up_survey: the survey a closed case's follow-up asks (its policy should
        trigger on kind ``case_closed``); None to leave follow-ups to other plugins.
    :param clock: what "now" is for follow-ups (the workflow does not pass its time).
    :param templates: looks up a ``survey_invitation`` template (e.g. the Listener's
        ``hooks.message_template``); :data:`INVITATION_TEMPLATES` when it gives none.
    :param sender: how invitation messages are signed: one text for every language, or texts by
        language (``{"es": "El equipo de Acme", "en": "The Acme team"}``; a language it lacks
        falls back to :data:`SENDERS`, then to English). Default: :data:`SENDERS`.
    """

    def __init__(
        self,
        store: Store,
        *,
        signer: TokenSigner,
        surveys: Iterable[Survey],
        policies: Iterable[InvitationPolicy],
        backends: Iterable[SurveyBackend] = (),
        follow_up_survey: str | None = None,
        clock: Clock | None = None,
        templates: TemplateLookup | None = None,
        sender: str | Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.signer = signer
        self.surveys = {survey.id: survey for survey in surveys}
        self.policies = tuple(policies)
        self.backends = {backend.name: backend for backend in backends}
        self.follow_up_survey = follow_up_survey
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.templates = templates
        self.sender = _senders(sender)
        self.history = StoreContactHistory(store)
        for policy in self.policies:
            if policy.survey_id not in self.surveys:
                raise ConfigurationError(f"a policy names an unknown survey {policy.survey_id!r}")
            if policy.backend not in self.backends:
                known = ", ".join(sorted(self.backends)) or "none"
                raise ConfigurationError(
                    f"the policy for {policy.survey_id!r} names survey backend "
                    f"{policy.backend!r}, which is not configured (configured: {known})"
                )

    def __repr__(self) -> str:
        return f"Surveys({sorted(self.surveys)}, backends={sorted(self.backends)})"

    # -- inviting -------------------------------------------------------------------------------

    def decide(self, occasion: Occasion, *, now: datetime) -> Decision:
        """What the first policy whose trigger matches ``occasion`` decides (nothing stored).

        When no trigger matches, the decision carries every policy's trigger reasons.
        """
        return self._decide(occasion, now, self.policies)

    def why_not(self, occasion: Occasion, *, now: datetime) -> list[Reason]:
        """Every reason not to invite for ``occasion`` now (empty when it would be invited)."""
        return list(self.decide(occasion, now=now).reasons)

    def invite(self, occasion: Occasion, *, now: datetime) -> Decision:
        """Decide ``occasion`` and, when the policy says yes, store and queue the invitation.

        An occasion already invited is not invited again: the decision carries the reason
        ``already_invited``.

        :raises ConfigurationError: when the policy names a backend that is not configured.
        """
        return self._invite(occasion, now, self.policies)

    def invite_after(
        self, now: datetime, *, since: datetime | None = None, limit: int | None = None
    ) -> InvitationReport:
        """Invite for every recent inbound interaction the policies allow, oldest first.

        :param since: only interactions at or after it (default: 30 days before ``now``).
        :param limit: stop after this many invitations.
        :return: the counts of invitations sent and not sent, by reason.
        """
        since = since if since is not None else now - timedelta(days=30)
        interactions = sorted(
            (
                interaction
                for interaction in self.store.iter_interactions()
                if since <= interaction.occurred_at <= now
                and interaction.direction is Direction.INBOUND
                and interaction.channel != "survey"
            ),
            key=lambda interaction: (interaction.occurred_at, interaction.id),
        )
        sent = delayed = already = untriggered = 0
        refused: Counter[str] = Counter()
        customers: dict[str, Customer] = {}
        for interaction in interactions:
            if limit is not None and sent >= limit:
                break
            customer = customers.get(interaction.customer_id)
            if customer is None:
                customer = self.store.get_customer(interaction.customer_id)
                customers[interaction.customer_id] = customer
            occasion = Occasion(customer, attrs.evolve(interaction, customer_id=customer.id))
            decision = self.invite(occasion, now=now)
            if decision.invitation is not None:
                sent += 1
                delayed += decision.moved_by_quiet_hours
            elif decision.reasons[0].code == "already_invited":
                already += 1
            elif all(reason.code == "trigger" for reason in decision.reasons):
                untriggered += 1
            else:
                refused[decision.reasons[0].code] += 1
        return InvitationReport(sent, dict(refused), delayed, already, untriggered)

    # -- answers --------------------------------------------------------------------------------

    def receive(
        self,
        backend: str,
        payload: Any,
        *,
        now: datetime,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Received:
        """Verify, parse and check what backend ``backend`` posted, using each accepted
        response's token up at once; the caller ingests the records and keeps the rejections.

        A crash between this call and the ingestion loses those answers (their tokens are used
        up): prefer :meth:`answer`, which stores first and does both in one call.

        :param body: the raw request body, for backends that sign their requests (default:
            ``payload`` when it is bytes or text).
        :raises SignatureError: when a signed backend refuses the request: nothing is read.
        :raises ValidationError: when the payload cannot be parsed at all.
        :raises PluginError: when no backend has that name.
        """
        chosen = self._backend(backend)
        headers = headers or {}
        self._verify(chosen, headers, payload, body)
        source = f"survey:{chosen.name}"
        records: list[dict[str, Any]] = []
        rejections: list[Rejection] = []
        for response in chosen.parse(payload, headers):
            try:
                records.append(self.accept(response, backend=chosen.name, now=now))
            except ValidationError as error:
                rejections.append(_rejection(source, error, _raw(response), now))
        return Received(source, records, rejections)

    def accept(self, response: SurveyResponse, *, backend: str, now: datetime) -> dict[str, Any]:
        """The record of one response, after its token, invitation and answers are checked and
        its token claimed (one response per invitation).

        Answers are checked before the token is claimed, so a customer whose answer was out of
        range can correct it and send it again. The token is used up here, before the caller
        stores the record: prefer :meth:`answer`, which stores first.

        :raises SignatureError: for a missing, forged or expired token.
        :raises ValidationError: for an unknown invitation, a reused token or a bad answer.
        """
        invitation, survey, checked, extra = self._check(response, now)
        if not self.store.claim_token(invitation.id, now):
            raise ValidationError(
                "token", invitation.id, "was already used: one response per invitation"
            )
        return _record(survey, invitation, checked, extra, response, backend, now)

    def answer(
        self,
        listener: Listener,
        backend: str,
        payload: Any,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        now: datetime | None = None,
    ) -> IngestReport:
        """Take the answers ``backend`` posted: verify, check, store them as feedback and use
        their tokens up, in one call that no crash can make lose an answer.

        Each accepted response becomes feedback on channel ``survey`` (through
        :meth:`Listener.ingest <clientvoice.Listener.ingest>`, so analyzers, cases and events
        work as for any feedback), linked to the interaction its invitation asked about. Each
        refused one (a missing, forged, expired or reused token, an unknown invitation, an
        answer the survey does not allow, a request whose signature does not hold, a payload
        the backend cannot read) is in the report's ``rejected`` with its reason and field, and
        in the dead letters under ``survey:<backend>``; the rest of the payload is not lost.

        How one answer per invitation holds without losing any: the feedback's external id is
        made from the invitation (``<backend>:<invitation id>``), and the store keeps one item
        per ``(channel, external id)``. For each response, in order:

        1. check the token, the invitation and the answers; refuse a token already used;
        2. store the feedback: a second answer to the same invitation, even from another
           process at the same instant, is a duplicate the store does not keep;
        3. use the token up.

        A crash before 2 stores nothing: the customer can answer again. A crash between 2 and
        3 leaves the answer stored and the token unused: the next submission finds the answer
        stored, uses the token up then, and is refused as already used (:meth:`open_link` says
        ``used`` already). A vendor redelivering the same response (the same response id) is
        counted as a duplicate, not refused; if it brings free-text answers the stored answer
        does not hold (a comment added after the score), those words are stored as feedback of
        their own, without scores (the first answer's are the ones counted), in the answer's
        thread, with the external id :func:`later_words_external_id`.

        Answers are checked before anything is stored, so a customer whose answer was refused
        can correct it and send it again through the same link.

        :param listener: the Listener that stores the feedback; it must use this object's
            store.
        :param backend: the name of a configured backend (``"link"``...).
        :param payload: what the backend posted (form fields, a webhook's JSON body...).
        :param headers: the request's headers, for backends that sign their requests.
        :param body: the raw request body a signature covers (default: ``payload`` when it is
            bytes or text).
        :param now: when the answers arrived (default: the listener's clock).
        :return: how many responses were received, stored, duplicates and refused.
        :raises PluginError: when no backend has that name.
        :raises ConfigurationError: when ``listener`` keeps another store.
        """
        if listener.store is not self.store:
            raise ConfigurationError(
                "Surveys.answer needs the listener that uses the surveys' own store"
            )
        chosen = self._backend(backend)
        when = now if now is not None else listener.clock.now()
        source = f"survey:{chosen.name}"
        try:
            self._verify(chosen, headers or {}, payload, body)
            responses = list(chosen.parse(payload, headers or {}))
        except ValidationError as error:
            refused = _rejection(source, error, _raw_payload(payload), when)
            self.store.add_rejections([refused])
            return IngestReport(1, 0, 0, 0, (refused,))
        tally = _Tally()
        for response in responses:
            try:
                self._answer_one(listener, response, chosen.name, source, when, tally)
            except ValidationError as error:
                refused = _rejection(source, error, _raw(response), when)
                self.store.add_rejections([refused])
                tally.rejected.append(refused)
        return IngestReport(
            received=len(responses),
            stored=tally.stored,
            duplicates=tally.duplicates,
            customers_created=tally.created,
            rejected=tuple(tally.rejected),
        )

    # -- plugin hooks ---------------------------------------------------------------------------

    @hookimpl
    def clientvoice_register_survey_backends(self, register: Any) -> None:
        """Register the configured backends (they override the built-in ones of the same
        name)."""
        for backend in self.backends.values():
            register(backend)

    @hookimpl
    def clientvoice_request_follow_up(
        self, case: Case, customer: Customer, now: datetime
    ) -> str | None:
        """Invite the customer of a closed case to :attr:`follow_up_survey`, under its policy.

        Returns what was done (``"invitation inv_... sent"`` or ``"no invitation: fatigue"``),
        or None when no follow-up survey is configured or the case has no feedback to ask about.
        """
        if self.follow_up_survey is None or case.feedback_id is None:
            return None
        policies = [p for p in self.policies if p.survey_id == self.follow_up_survey]
        if not policies:
            return None
        feedback = self.store.get_feedback(case.feedback_id)
        interaction = self.store.get_interaction(feedback.interaction_id)
        occasion = Occasion(
            customer,
            attrs.evolve(interaction, customer_id=customer.id),
            kind="case_closed",
            outcome=case.close_reason or "closed",
            case_id=case.id,
        )
        decision = self._invite(occasion, now, policies)
        if decision.invitation is not None:
            return f"invitation {decision.invitation.id} sent"
        return "no invitation: " + "; ".join(str(reason) for reason in decision.reasons)

    # -- helpers --------------------------------------------------------------------------------

    def _check(
        self, response: SurveyResponse, now: datetime
    ) -> tuple[Invitation, Survey, dict[str, Any], dict[str, Any]]:
        """The invitation and survey a response answers, its checked answers and the answers
        kept aside; nothing is written."""
        if response.token is None:
            raise ValidationError("token", None, "the response carries no survey token")
        claims = self.signer.verify(response.token, now=now)
        try:
            invitation = self.store.get_invitation(claims.invitation_id)
        except NotFoundError:
            raise ValidationError(
                "token", claims.invitation_id, "names an unknown invitation"
            ) from None
        if (invitation.customer_id, invitation.survey_id) != (
            claims.customer_id,
            claims.survey_id,
        ):
            raise ValidationError("token", claims.invitation_id, "does not match its invitation")
        survey = self.surveys.get(invitation.survey_id)
        if survey is None:
            raise ValidationError("token", invitation.survey_id, "names an unknown survey")
        answers = dict(response.answers)
        extra: dict[str, Any] = {}
        if not response.strict:
            known = {question.id for question in survey.questions}
            extra = {key: answers.pop(key) for key in list(answers) if key not in known}
        if response.form:
            answers = survey.read_form(answers)
        return invitation, survey, dict(survey.validate(answers)), extra

    def _answer_one(
        self,
        listener: Listener,
        response: SurveyResponse,
        backend: str,
        source: str,
        now: datetime,
        tally: _Tally,
    ) -> None:
        """Check, store and use up one response (see :meth:`answer` for the order)."""
        invitation, survey, checked, extra = self._check(response, now)
        if self.store.token_claimed_at(invitation.id) is None:
            record = _record(survey, invitation, checked, extra, response, backend, now)
            record["external_id"] = answer_external_id(invitation)
            report = listener.ingest([record], channel="survey", source=source)
            tally.rejected.extend(report.rejected)  # already in the dead letters
            tally.created += report.customers_created
            if report.stored:
                self.store.claim_token(invitation.id, now)
                tally.stored += 1
                return
            if not report.duplicates:
                return
        # Used already, or stored by an answer that crashed before using its token up.
        self.store.claim_token(invitation.id, now)
        stored = self._stored_answer(invitation)
        kept = stored.metadata.get("survey") if stored is not None else None
        if (
            stored is not None
            and response.external_id is not None
            and isinstance(kept, Mapping)
            and kept.get("response_id") == response.external_id
        ):
            # The tool sent the same response again, perhaps with words added since (Delighted
            # sends an "updated" webhook when the customer adds a comment after the score).
            added = [words for words in _free_text(survey, checked) if words not in stored.body]
            if not added:
                tally.duplicates += 1
                return
            # Without scores: the first answer's are the ones counted.
            record = _record(
                survey, invitation, checked, extra, response, backend, now, scores=False
            )
            record["text"] = "\n\n".join(added)
            record["thread_id"] = stored.thread_id or stored.id
            record["external_id"] = later_words_external_id(invitation, record["text"])
            record["metadata"]["survey"]["adds_to"] = stored.external_id
            report = listener.ingest([record], channel="survey", source=source)
            tally.rejected.extend(report.rejected)
            tally.stored += report.stored
            tally.duplicates += report.duplicates
            return
        raise ValidationError(
            "token", invitation.id, "was already used: one response per invitation"
        )

    def _stored_answer(self, invitation: Invitation) -> Interaction | None:
        """The interaction :meth:`answer` stored for ``invitation``, if it did."""
        record = {"external_id": answer_external_id(invitation), "text": ""}
        heard = parse_record(record, channel="survey", now=invitation.send_at)
        try:
            return self.store.get_interaction(heard.interaction.id)
        except NotFoundError:
            return None

    @staticmethod
    def _verify(
        backend: SurveyBackend, headers: Mapping[str, str], payload: Any, body: bytes | None
    ) -> None:
        if isinstance(backend, SignedSurveyBackend) and callable(getattr(backend, "verify", None)):
            raw = body if body is not None else payload
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            backend.verify(headers, raw)

    def _backend(self, name: str) -> SurveyBackend:
        backend = self.backends.get(name)
        if backend is None:
            known = ", ".join(sorted(self.backends)) or "none"
            raise PluginError(f"no survey backend {name!r} is configured; configured: {known}")
        return backend

    def _decide(
        self, occasion: Occasion, now: datetime, policies: Sequence[InvitationPolicy]
    ) -> Decision:
        reasons: list[Reason] = []
        for policy in policies:
            mismatch = policy.trigger.why_not(occasion)
            if mismatch:
                reasons.extend(mismatch)
                continue
            return policy.decide(occasion, self.history, now)
        return Decision(None, tuple(reasons) or (Reason("trigger", "no policy applies"),))

    def _invite(
        self, occasion: Occasion, now: datetime, policies: Sequence[InvitationPolicy]
    ) -> Decision:
        # A refusal writes nothing: decide it without taking the write lock, then decide again
        # inside the transaction, where no other writer can invite the customer in between.
        first = self._decide(occasion, now, policies)
        if first.invitation is None:
            return first
        with self.store.transaction():
            decision = self._decide(occasion, now, policies)
            invitation = decision.invitation
            if invitation is None:
                return decision
            try:
                self.store.get_invitation(invitation.id)
            except NotFoundError:
                pass
            else:
                reason = Reason("already_invited", f"invitation {invitation.id} exists already")
                return Decision(None, (reason,), decision.moved_by_quiet_hours)
            backend = self._backend(invitation.backend)
            survey = self.surveys[invitation.survey_id]
            token = self.signer.issue(invitation)
            link = backend.invite(invitation, token, survey)
            self.store.save_invitation(invitation)
            if link.url is not None:
                self.store.queue_messages([self._message(invitation, occasion, survey, link.url)])
            self.store.add_events([_invited_event(invitation, link.url, link.payload)])
        return decision

    def _message(self, invitation: Invitation, occasion: Occasion, survey: Survey, url: str) -> Any:
        customer = occasion.customer
        language = template_language(customer)
        question = survey.questions[0]
        values = {
            "survey_title": _text(survey.title, language),
            "question": question.text(language),
            "link": url,
            "expires": format_when(invitation.expires_at, customer, language),
            "sender": _text(self.sender, language),
        }
        return compose(
            MessageKind.SURVEY_INVITATION,
            lookup=self._template,
            customer=customer,
            values=values,
            message_id=stable_id("msg", invitation.id),
            channel=invitation.channel,
            to=invitation.to,
            created_at=invitation.send_at,
            case_id=invitation.case_id,
        )

    def _template(self, kind: MessageKind, language: str) -> MessageTemplate | None:
        if self.templates is not None:
            try:
                found = self.templates(kind, language)
            except TemplateError:
                found = None
            if found is not None:
                return found
        return INVITATION_TEMPLATES.get(language) if kind is MessageKind.SURVEY_INVITATION else None

    # -- links ----------------------------------------------------------------------------------

    def open_link(self, token: Any, *, now: datetime) -> OpenedLink:
        """Whether the customer holding ``token`` may answer its survey at ``now``, and which
        invitation and survey it is about.

        For the page a survey link opens: it checks what :meth:`accept` checks about the token
        (signature, expiry, a known invitation that matches it, not used yet) without using
        it up, so the host can show the survey's form, or a refusal, before anyone answers. A
        link whose answer :meth:`answer` stored is ``used``, even when a crash kept its token
        from being used up.
        Never raises for a bad token: the refusal's code says what is wrong with it.

        :raises ValidationError: when ``now`` is not a timezone-aware datetime.
        """
        expired: Reason | None = None
        try:
            claims = self.signer.verify(token, now=now)
        except SignatureError as error:
            try:
                # Authentic when checked as of the earliest instant: then only time is wrong.
                claims = self.signer.verify(token, now=_EARLIEST)
            except SignatureError:
                return OpenedLink(Reason("invalid", f"the link {error.reason}"))
            expired = Reason("expired", f"the link {error.reason}")
        try:
            invitation = self.store.get_invitation(claims.invitation_id)
        except NotFoundError:
            return OpenedLink(Reason("invalid", "the link names an unknown invitation"))
        if (invitation.customer_id, invitation.survey_id) != (
            claims.customer_id,
            claims.survey_id,
        ):
            return OpenedLink(Reason("invalid", "the link does not match its invitation"))
        survey = self.surveys.get(invitation.survey_id)
        if survey is None:
            detail = f"the link names survey {invitation.survey_id!r}, which is not configured"
            return OpenedLink(Reason("invalid", detail), invitation)
        used_at = self.store.token_claimed_at(invitation.id)
        if used_at is not None:
            detail = f"the survey was answered at {used_at.isoformat()}: one response per link"
            return OpenedLink(Reason("used", detail), invitation, survey)
        if self._stored_answer(invitation) is not None:  # stored, but the token not used up yet
            detail = "the survey was answered already: one response per link"
            return OpenedLink(Reason("used", detail), invitation, survey)
        return OpenedLink(expired, invitation, survey)


def answer_external_id(invitation: Invitation) -> str:
    """The external id of the feedback :meth:`Surveys.answer` stores for ``invitation``
    (``<backend>:<invitation id>``): one per invitation, whoever answers and however often."""
    return f"{invitation.backend}:{invitation.id}"


def later_words_external_id(invitation: Invitation, text: str) -> str:
    """The external id of words a customer added to an answered survey later
    (``<backend>:<invitation id>:added:<digest of the words>``): the same words sent again are
    stored once."""
    return f"{answer_external_id(invitation)}:added:{stable_digest(text)}"


_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


@attrs.define
class _Tally:
    """What :meth:`Surveys.answer` did so far."""

    stored: int = 0
    duplicates: int = 0
    created: int = 0
    rejected: list[Rejection] = attrs.field(factory=list)


def _rejection(source: str, error: ValidationError, raw: str, now: datetime) -> Rejection:
    return Rejection(
        source=source, reason=str(error), field=error.field, raw=raw or "(empty)", received_at=now
    )


def _raw_payload(payload: Any) -> str:
    if isinstance(payload, (bytes, bytearray)):
        text = bytes(payload[: _RAW_LIMIT * 4]).decode("utf-8", errors="replace")
    elif isinstance(payload, str):
        text = payload
    else:
        try:
            text = json.dumps(payload, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = repr(payload)
    return text[:_RAW_LIMIT]


_RAW_LIMIT = 10_000


def _senders(sender: str | Mapping[str, str] | None) -> dict[str, str]:
    if sender is None:
        return dict(SENDERS)
    if isinstance(sender, str):
        if not sender.strip():
            raise ConfigurationError("the invitations' sender must not be empty")
        return dict.fromkeys({*SENDERS, "en"}, sender)
    if not isinstance(sender, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) and value.strip()
        for key, value in sender.items()
    ):
        raise ConfigurationError(f"sender must be a text or texts by language, got {sender!r}")
    return {**SENDERS, **sender}


def _text(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


def _invited_event(invitation: Invitation, url: str | None, payload: Any) -> Event:
    data: dict[str, Any] = {
        "invitation_id": invitation.id,
        "survey_id": invitation.survey_id,
        "backend": invitation.backend,
        "channel": invitation.channel,
        "send_at": invitation.send_at.isoformat(),
        "interaction_id": invitation.interaction_id,
    }
    if url is not None:
        data["url"] = url
    if payload is not None:
        data["payload"] = json.loads(json.dumps(payload))
    return Event(
        id=stable_id("ev", "survey.invited", invitation.id),
        type="survey.invited",
        occurred_at=invitation.send_at,
        customer_id=invitation.customer_id,
        case_id=invitation.case_id,
        data=data,
    )


def _record(
    survey: Survey,
    invitation: Invitation,
    answers: Mapping[str, Any],
    extra: Mapping[str, Any],
    response: SurveyResponse,
    backend: str,
    now: datetime,
    *,
    scores: bool = True,
) -> dict[str, Any]:
    """The feedback record of a checked response: its scores (unless ``scores`` is False), its
    free-text answers as the text, and what the survey asked kept in the metadata."""
    record: dict[str, Any] = {
        "channel": "survey",
        "external_id": response.external_id or f"{backend}:{invitation.id}",
        "occurred_at": (response.submitted_at or now).isoformat(),
        "customer": {"id": invitation.customer_id},
        "metadata": {
            "survey": {
                "id": survey.id,
                "backend": backend,
                "response_id": response.external_id,
                "invitation_id": invitation.id,
                "about_interaction_id": invitation.interaction_id,
                "case_id": invitation.case_id,
                "answers": _json(answers),
                "extra": _json(extra),
            }
        },
    }
    if scores:
        for question in survey.questions:
            value = answers.get(question.id)
            if value is not None and question.kind in _SCORE_KINDS:
                record[question.kind.value] = value
    record["text"] = "\n\n".join(_free_text(survey, answers))
    return record


_SCORE_KINDS = frozenset({QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES})


def _free_text(survey: Survey, answers: Mapping[str, Any]) -> list[str]:
    """The non-empty free-text answers in ``answers``, stripped, in the survey's order."""
    texts = []
    for question in survey.questions:
        value = answers.get(question.id)
        if question.kind is QuestionKind.TEXT and value is not None and value.strip():
            texts.append(value.strip())
    return texts


def _json(value: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: list(item) if isinstance(item, tuple) else item
        for key, item in value.items()
        if item is None or isinstance(item, (str, int, float, bool, list, tuple, dict))
    }


def _raw(response: SurveyResponse) -> str:
    data = {
        "token": response.token,
        "answers": _json(response.answers),
        "external_id": response.external_id,
    }
    return json.dumps(data, ensure_ascii=False, default=str)[:10_000]
