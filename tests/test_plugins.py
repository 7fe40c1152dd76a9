"""The plugin system: one manager per Listener, a fixed order, overrides, and the env switches."""

from __future__ import annotations

import types
from datetime import datetime, timezone

import pytest

import clientvoice
from clientvoice import (
    Analysis,
    Case,
    CasePolicy,
    Customer,
    Heard,
    Listener,
    PluginError,
    RecordChannel,
    Route,
    UnknownChannelError,
    ValidationError,
    hookimpl,
    hookspecs,
)
from clientvoice.plugins import DEFAULT_PLUGINS, PluginHooks, build_plugin_manager

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
RECORD = {
    "external_id": "w1",
    "occurred_at": "2026-03-02T09:15:00+01:00",
    "customer": {"email": "ana@example.com", "name": "Ana"},
    "text": "El pedido llegó roto",
}


class LoudWeb(RecordChannel):
    """A host channel that replaces the built-in 'web' channel."""

    def parse(self, payload, *, now):
        return [
            Heard(customer=h.customer, interaction=h.interaction, feedback=h.feedback)
            for h in super().parse({**payload, "text": payload["text"].upper()}, now=now)
        ]


class HostPlugin:
    name = "host-web"

    @hookimpl
    def clientvoice_register_channels(self, register):
        register(LoudWeb("web"))
        register(RecordChannel("kiosk2"))


def test_builtins_are_ordinary_plugins_registered_first():
    pm = build_plugin_manager(autoload=False)
    names = [name for name, _ in pm.list_name_plugin()]
    assert names[0] == "clientvoice.hookspecs" or names[: len(DEFAULT_PLUGINS)] == list(
        DEFAULT_PLUGINS
    )
    assert set(DEFAULT_PLUGINS) <= set(names)


def test_the_host_overrides_a_builtin_channel_and_the_override_is_recorded():
    with Listener(plugins=[HostPlugin()], autoload=False) as listener:
        (item,) = listener.hear("web", RECORD)
        assert item.interaction.body == "EL PEDIDO LLEGÓ ROTO"
        entry = {e.name: e for e in listener.channels.entries()}["web"]
        assert entry.plugin == "host-web"
        assert entry.overrides == ("clientvoice.channels.standard",)
        assert "kiosk2" in listener.channels


def test_two_listeners_in_one_process_have_their_own_plugins():
    with (
        Listener(plugins=[HostPlugin()], autoload=False) as custom,
        Listener(autoload=False) as plain,
    ):
        assert custom.hear("web", RECORD)[0].interaction.body.isupper()
        assert plain.hear("web", RECORD)[0].interaction.body == RECORD["text"]
        assert "kiosk2" not in plain.channels


def test_unknown_channels_name_the_registered_ones():
    with Listener(autoload=False) as listener, pytest.raises(UnknownChannelError) as caught:
        listener.hear("fax", RECORD)
    assert "registered channels: api, chat, email" in str(caught.value)


def test_a_registration_without_a_name_or_method_is_a_plugin_error():
    class Nameless:
        @hookimpl
        def clientvoice_register_channels(self, register):
            register(object())

    class NoParse:
        @hookimpl
        def clientvoice_register_channels(self, register):
            register(types.SimpleNamespace(name="broken"))

    with pytest.raises(PluginError, match="without a 'name'"):
        Listener(plugins=[Nameless()], autoload=False)
    with pytest.raises(PluginError, match=r"'broken' without parse\(\)"):
        Listener(plugins=[NoParse()], autoload=False)


def test_implementing_a_hook_that_does_not_exist_is_refused():
    class Typo:
        @hookimpl
        def clientvoice_on_evnt(self, event):
            pass

    with pytest.raises(PluginError, match="clientvoice_on_evnt"):
        Listener(plugins=[Typo()], autoload=False)


def test_blocked_plugins_are_not_loaded(monkeypatch):
    with Listener(autoload=False, blocked=["clientvoice.channels.standard"]) as listener:
        assert len(listener.channels) == 0
    monkeypatch.setenv("CLIENTVOICE_BLOCK_PLUGINS", "host-web, clientvoice.workflow.routing")
    with Listener(plugins=[HostPlugin()], autoload=False) as listener:
        names = [p.name for p in listener.plugin_info()]
        assert "host-web" not in names
        assert "clientvoice.workflow.routing" not in names
        assert listener.hear("web", RECORD)[0].interaction.body == RECORD["text"]


def test_autoload_switch_controls_entry_points(monkeypatch):
    monkeypatch.setenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", "1")
    with Listener() as listener:
        assert all(p.source != "entrypoint" for p in listener.plugin_info())
    monkeypatch.setenv("CLIENTVOICE_DISABLE_PLUGIN_AUTOLOAD", "0")
    with Listener() as listener:
        assert any(p.source == "entrypoint" for p in listener.plugin_info())
        assert "kiosk" in listener.channels
    with Listener(autoload=False) as listener:
        assert "kiosk" not in listener.channels


class Words:
    """An analyzer: negative when it sees a complaint word."""

    name = "words"

    def analyze(self, feedback, customer):
        if "roto" in feedback.text or "broken" in feedback.text:
            return Analysis(sentiment="negative", kind="complaint", themes=("damaged",))
        return None


class Language:
    name = "language"

    def analyze(self, feedback, customer):
        return Analysis(language="es" if "ó" in feedback.text else "en", themes=("orders",))


class Broken:
    name = "broken"

    def analyze(self, feedback, customer):
        raise RuntimeError("bug in a plugin")


class AnalyzerPlugin:
    name = "analyzers"

    @hookimpl
    def clientvoice_register_analyzers(self, register):
        register(Words())
        register(Broken())
        register(Language())


class GoldMembers:
    name = "gold"

    @hookimpl
    def clientvoice_analyze_feedback(self, feedback, customer, analysis):
        if customer.memberships.get("loyalty") == "gold" and analysis.sentiment == "negative":
            return Analysis(urgency="high")
        return None


def test_analyzers_run_in_order_and_their_answers_merge(caplog):
    with Listener(
        plugins=[AnalyzerPlugin(), GoldMembers()],
        autoload=False,
        blocked=["clientvoice.analysis.builtin"],  # only the analyzers under test
    ) as listener:
        gold = {**RECORD, "customer": {**RECORD["customer"], "memberships": {"loyalty": "gold"}}}
        (item,) = listener.hear("web", gold)
        feedback = listener.store.get_feedback(item.feedback.id)
    analysis = feedback.analysis
    assert analysis is not None
    assert analysis.sentiment == "negative"
    assert analysis.language == "es"
    assert analysis.themes == ("damaged", "orders")
    assert analysis.urgency == "high"
    assert feedback.kind == "complaint"  # the source gave no kind: the analyzers' answer is used
    assert feedback.language == "es"
    assert "analyzer 'broken' failed" in caplog.text


def test_a_stated_kind_wins_over_the_analyzers():
    with Listener(plugins=[AnalyzerPlugin()], autoload=False) as listener:
        (item,) = listener.hear("web", {**RECORD, "kind": "question"})
    assert item.feedback.kind == "question"
    assert item.feedback.analysis.kind == "complaint"


def test_route_case_first_result_wins_and_the_builtin_is_the_fallback():
    customer = Customer(id="c1")
    case = Case(id="k1", customer_id="c1", feedback_id=None, opened_at=NOW)

    class Vip:
        @hookimpl
        def clientvoice_route_case(self, case, customer):
            return Route(owner="maria", team="vip") if customer.id == "c1" else None

    with Listener(autoload=False) as listener:
        route = listener.hooks.route_case(case, None, customer)
        assert route is not None
        assert route.team == "customer-care"
    with Listener(plugins=[Vip()], autoload=False) as listener:
        assert listener.hooks.route_case(case, None, customer) == Route(owner="maria", team="vip")
        other = Customer(id="c2")
        assert listener.hooks.route_case(case, None, other).team == "customer-care"


class Recorder:
    name = "recorder"

    def __init__(self, fail_on=None):
        self.seen = []
        self.fail_on = fail_on

    @hookimpl
    def clientvoice_on_event(self, event):
        if event.feedback_id == self.fail_on:
            self.fail_on = None
            raise ConnectionError("webhook down")
        self.seen.append(event.id)


def test_events_are_delivered_after_commit_at_least_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    records = [{**RECORD, "external_id": f"w{n}", "channel": "web"} for n in range(5)]
    first = clientvoice.channels.parse_record(records[2])
    recorder = Recorder(fail_on=first.feedback.id)
    with Listener.open(
        url, plugins=[recorder], autoload=False, case_policy=CasePolicy.never()
    ) as listener:
        with pytest.raises(ConnectionError):
            listener.ingest(records)
        # Everything was stored (the failure happened after commit) ...
        assert listener.store.counts()["feedback"] == 5
        assert len(recorder.seen) == 2
        # ... and the next delivery resumes where it stopped, without repeating confirmed ones.
        assert listener.deliver_events() == 3
    assert len(recorder.seen) == len(set(recorder.seen)) == 5
    # A new process (a new Listener) with a new consumer state sees nothing pending.
    again = Recorder()
    with Listener.open(url, plugins=[again], autoload=False) as listener:
        assert listener.deliver_events() == 0


def test_a_listener_next_to_workers_leaves_the_events_to_them(tmp_path):
    from clientvoice.workers import deliver_events

    url = f"sqlite:///{tmp_path / 'events.db'}"
    recorder = Recorder(fail_on="no such feedback")
    with Listener.open(url, plugins=[recorder], autoload=False, inline_events=False) as web:
        web.hear("web", {**RECORD, "external_id": "w1"})
        (case,) = web.store.iter_cases()
        web.workflow.acknowledge(case.id, by="ana")
        assert recorder.seen == []  # nothing handed over by the web process itself
        assert deliver_events(web) == len(list(web.store.iter_events())) >= 3  # what a worker does
    assert len(recorder.seen) == len(set(recorder.seen))
    with pytest.raises(ValidationError, match="inline_events"):
        Listener(autoload=False, inline_events="no")


def test_hookspecs_are_documented_and_named_by_convention():
    specs = [name for name in dir(hookspecs) if name.startswith("clientvoice_")]
    assert set(specs) == {
        "clientvoice_register_channels",
        "clientvoice_register_survey_backends",
        "clientvoice_register_analyzers",
        "clientvoice_analyze_feedback",
        "clientvoice_route_case",
        "clientvoice_message_template",
        "clientvoice_request_follow_up",
        "clientvoice_on_event",
    }
    for name in specs:
        doc = getattr(hookspecs, name).__doc__
        assert doc and len(doc) > 80, f"{name} needs a docstring"


def test_the_typed_facade_rejects_wrong_return_types():
    class Wrong:
        @hookimpl
        def clientvoice_analyze_feedback(self):
            return {"sentiment": "negative"}

    with Listener(plugins=[Wrong()], autoload=False) as listener:
        assert isinstance(listener.hooks, PluginHooks)
        with pytest.raises(PluginError, match="must return an Analysis"):
            listener.hear("web", RECORD)


def test_survey_backends_register_through_their_hook():
    class Poll:
        name = "poll"

        def invite(self, invitation, token, survey):
            return clientvoice.InvitationLink(url="https://x.example/?token=" + token)

        def parse(self, payload, headers):
            return []

    class Provider:
        name = "surveys"

        @hookimpl
        def clientvoice_register_survey_backends(self, register):
            register(Poll())

    with Listener(plugins=[Provider()], autoload=False) as listener:
        names = listener.survey_backends.names()
        assert "poll" in names
        assert {"link", "typeform", "delighted"} <= set(names)  # the built-ins, same hook
        assert isinstance(listener.survey_backends["poll"], clientvoice.SurveyBackend)
        with pytest.raises(PluginError, match="unknown survey backend 'qualtrics'"):
            listener.survey_backends["qualtrics"]
        info = {p.name: p for p in listener.plugin_info()}["surveys"]
        assert info.source == "host"
        assert info.hooks == ("clientvoice_register_survey_backends",)
