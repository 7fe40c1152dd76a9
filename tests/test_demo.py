"""The demo closes the loop on real channels: e-mail through a real SMTP server, signed web forms
(a forged and a replayed one refused), chat transcripts; survey invitations that respect fatigue
through the month, answered through the link backend; and it ends with the month's report."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from clientvoice import Listener
from clientvoice.demo import (
    FATIGUE,
    STEPS,
    DemoState,
    fatigue_check,
    hear_on_real_channels,
    import_again,
    listen_for_a_month,
    run,
)
from clientvoice.demodata import DEFAULT_START
from clientvoice.stores import MemoryStore
from clientvoice.surveys.invitations import Invitation


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One short demo run (1,500 records over 12 days), shared by the tests that read it."""
    out = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    result = run(out, records=1500, seed=5, days=12, echo=lines.append)
    database = Listener.open(f"sqlite:///{result.database}", autoload=False)
    yield result, lines, database.store
    database.close()


def test_the_demo_ends_with_the_report_and_writes_the_html_page(demo):
    result, lines, _ = demo
    assert result.html is not None and result.html.name == "report.html"
    page = result.html.read_text(encoding="utf-8")
    assert page.count('<svg role="img"') >= 8
    assert result.report is not None and result.report.feedback > 600
    text = "\n".join(lines)
    report_at = text.index("Customer listening report")
    assert text.index("Whether we listened") < report_at  # the report comes last
    assert text.index("Asking at the right moment") < report_at
    assert "Cost of recovery" in text[report_at:]
    assert re.search(r"Time per step: hear_on_real_channels \d+\.\d s", text)
    assert lines[-1] == f"Report: {result.html}"


def test_e_mail_is_heard_as_the_real_smtp_server_received_it(demo):
    result, _, store = demo
    mail = next(tally for tally in result.channels if tally.channel == "email")
    assert "127.0.0.1:" in mail.note
    # 36 messages, one of them sent twice by its mail client: heard twice, stored once.
    assert (len(mail.received), mail.heard, mail.stored, mail.heard_before) == (37, 37, 36, 1)
    seen_by_server = [message_from_bytes(raw, policy=policy.default) for raw in mail.received]
    stored = {i.external_id: i for i in store.iter_interactions() if i.channel == "email"}
    for message in seen_by_server:
        assert message["Message-ID"] in stored
    charsets = {part.get_content_charset() for m in seen_by_server for part in m.walk()}
    assert {"utf-8", "iso-8859-1"} <= charsets
    assert any(m.get_content_type() == "multipart/alternative" for m in seen_by_server)
    reply = seen_by_server[-1]
    first_id = reply["References"].split()[0]
    assert stored[reply["Message-ID"]].thread_id == first_id == seen_by_server[0]["Message-ID"]


def test_signed_forms_are_heard_and_forged_and_replayed_ones_refused_with_the_reason(demo):
    result, lines, store = demo
    forms = next(tally for tally in result.channels if tally.channel == "web")
    # 30 forms: one forged, one retried within the tolerance window (stored once), and the same
    # request replayed two hours later.
    assert (forms.heard, forms.stored, forms.heard_before) == (32, 29, 1)
    replayed, forged = sorted(forms.rejected, reverse=True)
    assert replayed.startswith("webhook-timestamp: is 7202 seconds old")
    assert "older than 300 seconds" in replayed
    assert forged.startswith("webhook-signature: does not match the body")
    dead = list(store.iter_rejections(source="web"))
    assert {r.field for r in dead} == {"webhook-timestamp", "webhook-signature"}
    assert any(line.startswith("    refused: webhook-signature:") for line in lines)
    assert not any("GRATIS" in f.text for f in store.iter_feedback(channel="web"))


def test_transcripts_keep_the_customers_words_as_feedback(demo):
    result, _, store = demo
    talks = next(tally for tally in result.channels if tally.channel == "chat/phone")
    assert (talks.heard, talks.stored, talks.rejected) == (10, 10, [])
    live = [i for i in store.iter_interactions() if i.external_id and "-live-" in i.external_id]
    assert len(live) == 10
    chats = [i for i in live if i.channel == "chat"]
    feedback = [f for f in store.iter_feedback(channel="chat") if f.interaction_id in
                {i.id for i in chats}]  # fmt: skip
    assert feedback and all("Agent" not in f.text and "Agente" not in f.text for f in feedback)


def test_invitations_respect_fatigue_in_the_store(demo):
    result, lines, store = demo
    tally = result.surveys
    assert tally is not None and tally.sent > 0
    invitations, too_close, closest = fatigue_check(store, FATIGUE)
    assert invitations == tally.invitations >= tally.sent
    assert too_close == 0
    assert closest is None or closest >= FATIGUE
    assert tally.not_sent["fatigue"] > 0  # the rule was needed, and held
    assert tally.not_sent["consent"] > 0 and tally.not_sent["sampling"] > 0
    assert any(line.startswith("fatigue holds: 0 customers") for line in lines)


def test_bad_tokens_are_refused_with_the_reason(demo):
    result, _, store = demo
    tally = result.surveys
    assert tally is not None
    assert len(tally.rejected) == 2
    assert "was already used" in tally.rejected[0]
    assert "expired at" in tally.rejected[1]
    assert len(list(store.iter_rejections(source="survey:link"))) == 2


def test_survey_answers_are_feedback_in_the_reports_scores(demo):
    result, lines, store = demo
    tally, report = result.surveys, result.report
    assert tally is not None and report is not None
    assert sum(tally.accepted.values()) > 0
    since, until = DEFAULT_START, DEFAULT_START + timedelta(days=12)
    answers = [
        f
        for f in store.iter_feedback(channel="survey", since=since, until=until)
        # generated survey-tool records name their survey; our answers carry the invitation
        if isinstance(store.get_interaction(f.interaction_id).metadata.get("survey"), dict)
    ]
    assert len(answers) == sum(tally.accepted.values())
    assert all(f.nps is not None or f.csat is not None or f.ces is not None for f in answers)
    in_period = list(store.iter_feedback(since=since, until=until))
    assert report.by_channel["survey"] == sum(
        1 for f in in_period if store.get_interaction(f.interaction_id).channel == "survey"
    )
    for score in ("nps", "csat", "ces"):
        given = sum(1 for f in in_period if getattr(f, score) is not None)
        assert getattr(report, score).count == given
    text = "\n".join(lines)
    row = re.search(r"survey\s*│\s*(\d+)\s*│", text[text.index("Customer listening report") :])
    assert row is not None and int(row.group(1)) == report.by_channel["survey"]


def test_real_channel_traffic_arrives_inside_the_reported_month(demo):
    result, lines, store = demo
    report = result.report
    assert report is not None
    since, until = DEFAULT_START, DEFAULT_START + timedelta(days=2)
    mail = next(tally for tally in result.channels if tally.channel == "email")
    message_ids = {message_from_bytes(raw)["Message-ID"] for raw in mail.received}
    live = [i for i in store.iter_interactions() if _heard_live(i, message_ids)]
    heard = sum(tally.stored for tally in result.channels)
    assert heard == 36 + 29 + 10 and len(live) == heard
    assert all(since <= i.occurred_at < until for i in live)
    # Everything stored falls in the report's period, so its volumes count the live traffic.
    assert report.feedback == result.summary.counts["feedback"]
    assert sum(report.by_channel.values()) == report.feedback
    # Cases opened from live traffic are worked after they were opened, never before.
    live_feedback = {f.id for i in live for f in store.iter_feedback(customer_id=i.customer_id)
                     if f.interaction_id == i.id}  # fmt: skip
    cases = [c for c in store.iter_cases() if c.feedback_id in live_feedback]
    assert cases
    assert all(c.acknowledged_at is None or c.acknowledged_at >= c.opened_at for c in cases)
    text = "\n".join(lines)
    assert text.index("Heard the first days' mail") < text.index("What customers said")


def test_surveys_ask_enough_customers_to_show_in_the_scores(demo):
    result, _, _ = demo
    tally, report = result.surveys, result.report
    assert tally is not None and report is not None
    # 1,500 records over 12 days: dozens of invitations, every rule refusing some.
    assert tally.sent >= 40
    assert min(tally.not_sent[code] for code in ("consent", "sampling", "fatigue", "budget")) > 0
    assert tally.moved_by_quiet_hours > 0
    assert set(tally.accepted) == {"nps", "csat", "ces"}
    assert sum(tally.accepted.values()) >= 15


def test_the_fatigue_check_finds_two_invitations_too_close():
    store = MemoryStore()
    at = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    for n, gap in enumerate((0, 3, 20)):
        store.save_invitation(
            Invitation(
                id=f"inv_{n}",
                survey_id="nps",
                customer_id="cus_ana",
                interaction_id=f"int_{n}",
                channel="email",
                to="ana@example.com",
                language="es",
                send_at=at + timedelta(days=gap),
                expires_at=at + timedelta(days=gap + 7),
            )
        )
    assert fatigue_check(store, timedelta(days=14)) == (3, 1, timedelta(days=3))
    assert fatigue_check(store, timedelta(days=2)) == (3, 0, timedelta(days=3))


def test_without_aiosmtpd_the_demo_says_so_and_carries_on(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "aiosmtpd.controller", None)  # import fails
    lines: list[str] = []
    result = run(
        tmp_path,
        records=60,
        seed=5,
        days=1,
        echo=lines.append,
        steps=[hear_on_real_channels, listen_for_a_month, import_again],
    )
    mail, forms, talks = result.channels
    assert mail.heard == 0 and "pip install 'clientvoice[demo]'" in mail.note
    assert forms.stored == 29 and talks.stored == 10
    assert sum("skipped: the demo's SMTP server needs aiosmtpd" in line for line in lines) == 1


def test_a_step_is_one_function_added_to_the_list(tmp_path):
    seen: list[int] = []

    def count_cases(state: DemoState) -> None:
        seen.append(sum(1 for _ in state.listener.store.iter_cases()))
        state.echo(f"{seen[0]} cases")

    lines: list[str] = []
    result = run(
        tmp_path,
        records=150,
        seed=5,
        days=5,
        echo=lines.append,
        steps=[listen_for_a_month, import_again, count_cases],
    )
    assert seen and seen[0] == result.listening.cases
    assert f"{seen[0]} cases" in lines
    assert result.report is None and result.html is None
    assert count_cases not in STEPS


def _heard_live(interaction, message_ids: set[str]) -> bool:
    """Whether ``interaction`` came from the demo's real channels rather than the export."""
    external = interaction.external_id or ""
    return external in message_ids or external.startswith("msg_form") or "-live-" in external
