"""The Listener: the one object a host application holds to hear, understand and keep feedback.

A Listener wires a store, its own plugin manager, and a clock. Two listeners in one process are
independent: each has its own plugins, so tests and multi-tenant applications need no global state.

    >>> from clientvoice import Listener
    >>> with Listener.open("memory://", autoload=False) as listener:
    ...     heard = listener.hear("web", {
    ...         "external_id": "form-1",
    ...         "occurred_at": "2026-03-02T09:15:00+01:00",
    ...         "customer": {"email": "ana@example.com", "name": "Ana", "language": "es"},
    ...         "text": "El pedido llegó roto.",
    ...         "kind": "complaint",
    ...         "follow_up_requested": True,
    ...     })
    ...     print(heard[0].feedback.kind.value, listener.store.counts()["feedback"])
    complaint 1
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from itertools import islice
from pathlib import Path
from typing import Any

import attrs

from clientvoice._ids import stable_id
from clientvoice.analysis import Analyzer
from clientvoice.channels import Channel, RecordChannel, SignedChannel
from clientvoice.channels.files import SourceRecord, read_records
from clientvoice.channels.records import parse_record
from clientvoice.clock import Clock, SystemClock
from clientvoice.errors import ClientVoiceError, UnknownChannelError, ValidationError
from clientvoice.models import Analysis, Customer, Event, Heard, Rejection
from clientvoice.phones import check_region, with_international_numbers
from clientvoice.plugins import PluginHooks, PluginInfo, Registry, build_plugin_manager
from clientvoice.privacy import ErasureReport
from clientvoice.stores import Store, open_store
from clientvoice.surveys import SurveyBackend
from clientvoice.workflow.engine import TickReport, Workflow
from clientvoice.workflow.policy import CasePolicy
from clientvoice.workflow.sla import ServiceLevels, default_service_levels

__all__ = ["IngestReport", "Listener"]

log = logging.getLogger("clientvoice")

HOOK_CONSUMER = "hooks"
"""The outbox consumer name under which events handed to ``clientvoice_on_event`` are confirmed."""

_RAW_LIMIT = 10_000


@attrs.frozen
class IngestReport:
    """What one call to :meth:`Listener.ingest` (or :meth:`~Listener.ingest_file`) did.

    ``received`` counts records read; each one was ``stored``, a duplicate of something already
    stored, or rejected (its :class:`~clientvoice.Rejection` is in ``rejected`` and in the
    store's dead-letter list).
    """

    received: int
    stored: int
    duplicates: int
    customers_created: int
    rejected: tuple[Rejection, ...]

    @property
    def ok(self) -> bool:
        """True when nothing was rejected."""
        return not self.rejected

    def __str__(self) -> str:
        return (
            f"{self.received} received: {self.stored} stored, {self.duplicates} duplicates, "
            f"{len(self.rejected)} rejected; {self.customers_created} new customers"
        )


class Listener:
    """Hears customers on every channel, understands what they say, and keeps it.

    :param store: where to keep everything; a new :class:`~clientvoice.MemoryStore` if omitted.
    :param plugins: the host application's plugins, called before all others.
    :param clock: where "now" comes from (a :class:`~clientvoice.ManualClock` in tests).
    :param autoload: load plugins from the ``clientvoice`` entry-point group (default: yes,
        unless ``CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD`` is set).
    :param blocked: names of plugins not to load.
    :param batch_size: how many records :meth:`ingest` writes per transaction.
    :param default_timezone: the zone of naive timestamps in incoming records. Without it a naive
        timestamp is rejected.
    :param case_policy: which feedback opens a case (default :class:`~clientvoice.CasePolicy`).
    :param service_levels: the promises per case (default
        :func:`~clientvoice.default_service_levels`).
    :param sender: how messages to customers are signed.
    :param phone_region: the region (``"ES"``, ``"MX"``, ``"GB"``) of phone numbers heard without
        a country code: they are read as that region's numbers (``"612 345 678"`` is
        ``+34612345678``), so they meet the same numbers written with one and find the same
        customer. Needs the ``phones`` extra; see :mod:`clientvoice.phones`. Without it, a number
        is kept as written.
    :param inline_events: hand new events to the ``clientvoice_on_event`` hooks at the end of
        each call that made them (the default). Pass False in a process that runs next to
        workers (a web application while ``clientvoice worker`` runs): the workers deliver the
        events then, each batch claimed by one of them (:func:`clientvoice.workers.deliver_events`),
        so two processes never hand the same event to a hook at the same time.
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        plugins: Iterable[object] = (),
        clock: Clock | None = None,
        autoload: bool | None = None,
        blocked: Iterable[str] = (),
        batch_size: int = 5000,
        default_timezone: tzinfo | None = None,
        case_policy: CasePolicy | None = None,
        service_levels: ServiceLevels | None = None,
        sender: str = "The customer care team",
        phone_region: str | None = None,
        inline_events: bool = True,
    ) -> None:
        if type(batch_size) is not int or batch_size < 1:
            raise ValidationError("batch_size", batch_size, "must be a whole number >= 1")
        #: The region of phone numbers heard without a country code, if one was given.
        self.phone_region = None if phone_region is None else check_region(phone_region)
        if type(inline_events) is not bool:
            raise ValidationError("inline_events", inline_events, "must be True or False")
        #: Whether events go to the hooks at the end of each call (False: workers deliver them).
        self.inline_events = inline_events
        from clientvoice.stores import MemoryStore

        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.batch_size = batch_size
        self.default_timezone = default_timezone
        self.hooks = PluginHooks(build_plugin_manager(plugins, autoload=autoload, blocked=blocked))
        self.channels: Registry[Channel] = self.hooks.collect_channels()
        self.analyzers: Registry[Analyzer] = self.hooks.collect_analyzers()
        self.survey_backends: Registry[SurveyBackend] = self.hooks.collect_survey_backends()
        #: The listening workflow on this listener's store: cases, problems, deadlines, messages.
        self.workflow = Workflow(
            store=self.store,
            hooks=self.hooks,
            channels=self.channels,
            clock=self.clock,
            policy=case_policy if case_policy is not None else CasePolicy(),
            service_levels=(
                service_levels if service_levels is not None else default_service_levels()
            ),
            sender=sender,
            on_change=self._deliver_inline,
        )

    @classmethod
    def open(cls, url: str = "sqlite:///clientvoice.db", **options: Any) -> Listener:
        """A Listener on the store the URL names: ``"sqlite:///path.db"``, ``"memory://"`` or
        ``"postgresql://user@host/db"`` (extra ``postgres``); see :func:`open_store`.

        ``options`` are those of the constructor.
        """
        return cls(open_store(url), **options)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Listener({self.store!r})"

    # -- hearing ------------------------------------------------------------------------------

    def hear(
        self, channel: str, payload: Any, *, headers: Mapping[str, str] | None = None
    ) -> list[Heard]:
        """Hear one payload on ``channel``, understand it and store it.

        :param channel: the name of a registered channel (``"web"``, ``"email"``...).
        :param payload: what the channel receives: a record dict, JSON text, or whatever format
            that channel's plugin parses (a raw e-mail, a signed webhook body...).
        :param headers: the request headers, for channels whose source signs its requests
            (:class:`~clientvoice.channels.SignedChannel`): their ``verify`` runs first, on the
            headers and the raw body (``payload`` as bytes).
        :return: the newly stored items, with customers resolved; empty if the payload was
            already heard.
        :raises UnknownChannelError: if no plugin registered ``channel``.
        :raises SignatureError: if a signed channel refuses the request; nothing is parsed.
        :raises ValidationError: if the payload is not acceptable; nothing is stored.
        """
        parser = self.channels[channel]
        now = self.clock.now()
        if isinstance(parser, SignedChannel):
            parser.verify(headers or {}, _raw_body(payload), **_named(parser.verify, now=now))
        options = _named(parser.parse, headers=headers, default_timezone=self.default_timezone)
        items = [self._understand(item) for item in parser.parse(payload, now=now, **options)]
        result = self.store.ingest(
            [self._finished(item) for item in items], events_for=self._events_for
        )
        self.workflow.open_cases(known=_by_feedback(result.stored))
        self._deliver_inline()
        return result.stored

    def tick(self, now: datetime | None = None) -> TickReport:
        """Do the workflow's due work at ``now`` (default: the clock's); see
        :meth:`Workflow.tick <clientvoice.Workflow.tick>`."""
        return self.workflow.tick(now)

    def ingest(
        self,
        records: Iterable[Mapping[str, Any] | SourceRecord],
        *,
        channel: str | None = None,
        source: str = "ingest",
    ) -> IngestReport:
        """Hear many records, in batches, rejecting bad ones with their reason and keeping the rest.

        :param records: record dicts (see :mod:`clientvoice.channels.records`), or
            :class:`~clientvoice.channels.files.SourceRecord` items from a file reader. Records
            may be a generator: they are consumed in batches of ``batch_size``.
        :param channel: the channel of records that name none.
        :param source: the name under which rejections are kept when records are plain dicts.
        :return: counts, and every rejection with its line (position) and field.
        """
        received = 0
        writer = _BatchWriter(self.store, self._events_for)
        entries = iter(records)
        while True:
            count, heard, rejections = self._prepare(entries, channel, source, received)
            if not count:
                break
            received += count
            stored = writer.write(heard, rejections)
            self.workflow.open_cases(known=_by_feedback(stored))
            self._deliver_inline()  # no-op when no plugin listens
        self._deliver_inline()
        return IngestReport(
            received=received,
            stored=writer.stored,
            duplicates=writer.duplicates,
            customers_created=writer.created,
            rejected=tuple(writer.rejected),
        )

    def _prepare(
        self,
        entries: Iterator[Any],
        channel: str | None,
        source: str,
        offset: int,
    ) -> tuple[int, list[Heard], list[Rejection]]:
        """Read and parse the next batch: how many entries were read, what to store, and what to
        reject with its reason.

        Each entry is parsed as soon as it is read, so the raw records never outlive their
        parsing (fewer objects alive at once: less memory, less work for the garbage collector).
        """
        heard: list[Heard] = []
        rejections: list[Rejection] = []
        now = self.clock.now()
        parsers: dict[str, Channel] = {}  # looked up once per batch
        analyze = self._analysis_wanted()
        position = offset
        for position, entry in enumerate(islice(entries, self.batch_size), offset + 1):
            if isinstance(entry, SourceRecord):
                where, line, record = entry.source, entry.line, entry.record
                raw = entry.text if entry.error is not None or record is None else entry
                if entry.error is not None:
                    rejections.append(self._reject(where, line, entry.error, raw, now))
                    continue
            else:
                where, line, raw, record = source, position, None, entry
            try:
                heard.extend(self._parse(record, channel, now, parsers, analyze))
            except ValidationError as error:
                rejections.append(
                    self._reject(where, line, error, raw if raw is not None else record, now)
                )
            except UnknownChannelError as error:
                rejections.append(
                    self._reject(
                        where,
                        line,
                        ValidationError("channel", error.name, str(error)),
                        raw if raw is not None else record,
                        now,
                    )
                )
        return position - offset, heard, rejections

    def ingest_file(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        mapping: Mapping[str, str] | None = None,
        channel: str | None = None,
        delimiter: str = ",",
        encoding: str = "utf-8-sig",
    ) -> IngestReport:
        """Stream a CSV or JSONL file through :meth:`ingest`. See :mod:`clientvoice.channels.files`
        for the mapping and the cell conversions.

        :raises ConfigurationError: if the file is missing, its format unknown or the mapping
            names columns the file does not have. Bad lines never raise: they are rejected.
        """
        return self.ingest(
            read_records(
                path, format=format, mapping=mapping, delimiter=delimiter, encoding=encoding
            ),
            channel=channel,
        )

    def dead_letters(self, *, source: str | None = None) -> list[Rejection]:
        """Every rejected input kept by the store, oldest first, optionally from one source."""
        return list(self.store.iter_rejections(source=source))

    # -- events -------------------------------------------------------------------------------

    def _deliver_inline(self) -> None:
        """Deliver new events now, unless workers deliver them (``inline_events=False``)."""
        if self.inline_events:
            self.deliver_events()

    def deliver_events(self, *, limit: int = 10_000) -> int:
        """Hand stored events not yet delivered to the ``clientvoice_on_event`` hooks.

        Events are confirmed only after every hook returned, so a crash means they are delivered
        again (at least once). Returns how many were delivered; 0 when no plugin listens.
        """
        if not self.hooks.implemented("clientvoice_on_event"):
            return 0
        delivered = 0
        while delivered < limit:
            pending = self.store.pending_events(HOOK_CONSUMER, limit=min(1000, limit - delivered))
            if not pending:
                break
            for stored in pending:
                try:
                    self.hooks.on_event(stored.event)
                except Exception:
                    if stored.seq > 1:
                        self.store.confirm_events(HOOK_CONSUMER, stored.seq - 1)
                    raise
                delivered += 1
            self.store.confirm_events(HOOK_CONSUMER, pending[-1].seq)
        return delivered

    # -- identity and privacy -----------------------------------------------------------------

    def merge_customers(self, keep_id: str, merge_id: str, *, actor: str, reason: str) -> Customer:
        """Make two customers one person, keeping the history of both; returns the survivor.

        Everything of ``merge_id`` (interactions, feedback, cases, messages, survey invitations)
        moves to ``keep_id``, which keeps its profile and gains the other's contact points,
        segments and programmes; ``merge_id`` keeps leading to the survivor. The
        ``customer.merged`` event records ``actor`` and ``reason`` and is handed to plugins.
        See :meth:`Store.merge_customers <clientvoice.Store.merge_customers>`.

        :raises NotFoundError: if either customer is unknown.
        :raises ValidationError: naming ``merge_id`` if both ids are already one customer.
        """
        survivor = self.store.merge_customers(
            keep_id, merge_id, at=self.clock.now(), actor=actor, reason=reason
        )
        self._deliver_inline()
        return survivor

    def export_customer(self, customer_id: str) -> dict[str, Any]:
        """Everything held about one customer (any of their ids), as JSON-ready data.

        Profile, contact points, consents, interactions, feedback with its analysis, cases,
        events, messages, timers, survey invitations and the dead letters naming them. See
        :func:`clientvoice.privacy.export_customer`.

        :raises NotFoundError: if no customer has this id.
        """
        return self.store.export_customer(customer_id)

    def erase_customer(self, customer_id: str, *, actor: str, reason: str) -> ErasureReport:
        """Anonymise everything held about one customer, keeping what metrics count.

        Names, contact points, what they wrote and what was sent to them are removed (also from
        case notes, the event log and the dead letters); scores, kinds, channels, times, stages
        and SLA facts stay. Their records move to a fresh id (``report.customer_id``): the old
        one, often derived from their e-mail address, finds nothing any more. The
        ``customer.erased`` event (counts only) is handed to plugins. See
        :meth:`Store.erase_customer <clientvoice.Store.erase_customer>`.

        :raises NotFoundError: if the customer is unknown.
        """
        report = self.store.erase_customer(
            customer_id, at=self.clock.now(), actor=actor, reason=reason
        )
        self._deliver_inline()
        return report

    # -- plugins ------------------------------------------------------------------------------

    def plugin_info(self) -> list[PluginInfo]:
        """Every loaded plugin, where it came from, its version and the hooks it implements."""
        return self.hooks.describe()

    # -- helpers ------------------------------------------------------------------------------

    def _parse(
        self,
        record: Any,
        channel: str | None,
        now: Any,
        parsers: dict[str, Channel],
        analyze: bool,
    ) -> Sequence[Heard]:
        if type(record) is dict or isinstance(record, Mapping):
            name = record.get("channel", channel)
        elif channel is None:
            raise ValidationError("record", record, "must be a JSON object")
        else:
            name = channel
        if name is None:
            raise ValidationError("channel", None, "is required (or pass channel=...)")
        if type(name) is not str:
            raise ValidationError("channel", name, "must be a channel name")
        parser = parsers.get(name)
        if parser is None:
            parser = parsers[name] = self.channels[name]
        if type(parser) is RecordChannel:
            # The common case, without the list the general protocol returns.
            item = parse_record(
                record, channel=name, now=now, default_timezone=self.default_timezone
            )
            if analyze:
                item = self._understand(item)
            return (self._finished(item),)
        items = parser.parse(
            record, now=now, **_named(parser.parse, default_timezone=self.default_timezone)
        )
        if analyze:
            items = [self._understand(item) for item in items]
        return [self._finished(item) for item in items]

    def _analysis_wanted(self) -> bool:
        """Whether any analyzer or ``clientvoice_analyze_feedback`` hook is there to run."""
        return bool(len(self.analyzers)) or self.hooks.implemented("clientvoice_analyze_feedback")

    def _understand(self, item: Heard) -> Heard:
        feedback = item.feedback
        if feedback is None:
            return item
        has_hook = self.hooks.implemented("clientvoice_analyze_feedback")
        if not len(self.analyzers) and not has_hook:
            return item
        analysis = feedback.analysis or Analysis()
        for name, analyzer in zip(self.analyzers.names(), self.analyzers.items(), strict=True):
            try:
                found = analyzer.analyze(feedback, item.customer)
            except Exception:
                log.exception(
                    "analyzer %r failed on feedback %s; kept without it", name, feedback.id
                )
                continue
            if found is not None:
                analysis = analysis.merged(found)
        if has_hook:
            for adjustment in self.hooks.analyze_feedback(feedback, item.customer, analysis):
                analysis = adjustment.merged(analysis)
        changes: dict[str, Any] = {"analysis": analysis}
        if feedback.kind is None and analysis.kind is not None:
            changes["kind"] = analysis.kind
        if feedback.language is None and analysis.language is not None:
            changes["language"] = analysis.language
        return attrs.evolve(item, feedback=attrs.evolve(feedback, **changes))

    def _finished(self, item: Heard) -> Heard:
        """``item`` as it is stored: phone numbers read in :attr:`phone_region` (when set) and
        an external id (the interaction's own id when the source gave none)."""
        if self.phone_region is not None:
            customer = with_international_numbers(item.customer, self.phone_region)
            if customer is not item.customer:
                item = attrs.evolve(item, customer=customer)
        if item.interaction.external_id is not None:
            return item
        return attrs.evolve(
            item, interaction=attrs.evolve(item.interaction, external_id=item.interaction.id)
        )

    @staticmethod
    def _events_for(item: Heard) -> Sequence[Event]:
        feedback = item.feedback
        if feedback is None:
            return ()
        return (
            Event(
                id=stable_id("ev", feedback.id, "received"),
                type="feedback.received",
                occurred_at=feedback.created_at,
                actor=item.interaction.channel,
                customer_id=feedback.customer_id,
                feedback_id=feedback.id,
                data={
                    "channel": item.interaction.channel,
                    "kind": None if feedback.kind is None else feedback.kind.value,
                    "follow_up_requested": feedback.follow_up_requested,
                },
            ),
        )

    @staticmethod
    def _reject(
        source: str, line: int, error: ClientVoiceError | ValidationError, raw: Any, now: Any
    ) -> Rejection:
        field = error.field if isinstance(error, ValidationError) else None
        if isinstance(raw, SourceRecord):
            raw = raw.text
        text = raw if isinstance(raw, str) else _describe(raw)
        return Rejection(
            source=source,
            line=line,
            field=field,
            reason=str(error),
            raw=text[:_RAW_LIMIT],
            received_at=now,
        )


class _BatchWriter:
    """Writes prepared batches to the store, each in its own transaction, and counts.

    If one batch fails, the batches before it stay stored and the error goes to the caller.
    (Writing from a second thread, to overlap SQLite with the parsing of the next batch, was
    measured slower: sqlite3 holds the GIL except inside each row's ``sqlite3_step``, so the two
    threads mostly wait for each other.)
    """

    def __init__(self, store: Store, events_for: Callable[[Heard], Sequence[Event]]) -> None:
        self.store = store
        self.events_for = events_for
        self.stored = self.duplicates = self.created = 0
        self.rejected: list[Rejection] = []

    def write(self, heard: list[Heard], rejections: list[Rejection]) -> list[Heard]:
        stored: list[Heard] = []
        if heard:
            result = self.store.ingest(heard, events_for=self.events_for)
            stored = result.stored
            self.stored += len(result.stored)
            self.duplicates += len(result.duplicates)
            self.created += result.customers_created
        if rejections:
            self.store.add_rejections(rejections)
            self.rejected.extend(rejections)
        return stored


def _describe(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _by_feedback(items: Sequence[Heard]) -> dict[str, Heard]:
    return {item.feedback.id: item for item in items if item.feedback is not None}


def _named(method: Callable[..., Any], **optional: Any) -> dict[str, Any]:
    """The optional keyword arguments (those not None) that ``method`` names.

    Channel methods opt in to what the listener knows (``now`` for ``verify``; ``headers`` and
    ``default_timezone`` for ``parse``) by naming the argument, as hook implementations do.
    """
    names = _keywords(getattr(method, "__func__", method))
    return {key: value for key, value in optional.items() if value is not None and key in names}


@functools.lru_cache(maxsize=512)
def _keywords(function: Callable[..., Any]) -> frozenset[str]:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(
        parameter.name
        for parameter in parameters
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    )


def _raw_body(payload: Any) -> bytes:
    """The request body a signature covers: bytes as they came, text as UTF-8."""
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    raise ValidationError(
        "payload", payload, "a signed channel needs the raw request body as bytes or text"
    )
