"""The demo data: deterministic, realistic, streaming, and bad exactly where it says."""

from __future__ import annotations

import itertools
import json
import re
import statistics
import tracemalloc
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import STANDARD_CHANNELS, FeedbackKind, Listener, ValidationError
from clientvoice.channels import read_email
from clientvoice.channels.records import CUSTOMER_FIELDS, RECORD_FIELDS, parse_record
from clientvoice.channels.transcripts import read_transcript
from clientvoice.demo import run
from clientvoice.demodata import (
    CSV_COLUMNS,
    DEFAULT_START,
    channel_traffic,
    generate,
    plan,
    survey_answers,
    write_csv,
    write_jsonl,
)

SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
MESSY = {"seed": 9, "bad_share": 0.05, "duplicate_share": 0.02}


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    """Ten thousand good records, shared by the tests of the mix (they only read them)."""
    return list(generate(10_000, seed=4))


def test_the_same_arguments_give_the_same_bytes(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    for path, seed in ((a, 1), (b, 1), (c, 2)):
        write_jsonl(path, 1500, seed=seed, bad_share=0.1, duplicate_share=0.1)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    write_csv(tmp_path / "a.csv", 1500, seed=1, bad_share=0.1)
    write_csv(tmp_path / "b.csv", 1500, seed=1, bad_share=0.1)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert list(generate(800, seed=3)) == list(generate(800, seed=3))
    assert list(generate(800, seed=3)) != list(generate(800, seed=4))


def test_arguments_are_checked():
    for kwargs in (
        {"count": -1},
        {"count": 10, "days": 0},
        {"count": 10, "bad_share": 1.5},
        {"count": 10, "bad_share": 0.6, "duplicate_share": 0.6},
        {"count": 10, "start": datetime(2026, 3, 2, 8, 0)},  # naive
    ):
        with pytest.raises(ValueError):  # noqa: PT011 - each call has its own message
            generate(**kwargs)
        with pytest.raises(ValueError):  # noqa: PT011
            plan(**kwargs)
    assert list(generate(0)) == []


def test_good_records_parse_and_use_only_record_fields():
    for record in generate(3000, seed=1):
        assert record.keys() <= RECORD_FIELDS
        assert record["customer"].keys() <= CUSTOMER_FIELDS
        heard = parse_record(record)
        assert heard.feedback is not None
        assert heard.interaction.channel in STANDARD_CHANNELS


def test_bad_records_are_exactly_the_ones_the_library_refuses():
    expected = plan(4000, **MESSY)
    refused = 0
    for record in generate(4000, **MESSY):
        if record.get("channel") not in STANDARD_CHANNELS:
            refused += 1
            continue
        try:
            parse_record(record)
        except ValidationError:
            refused += 1
    assert refused == expected.bad > 150


def test_ingesting_a_jsonl_export_rejects_exactly_the_bad_lines(tmp_path):
    path = tmp_path / "export.jsonl"
    expected = plan(4000, **MESSY)
    assert expected.broken > 20
    assert expected.duplicates > 40
    assert write_jsonl(path, 4000, **MESSY) == 4000
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4000
    with Listener(autoload=False) as listener:
        report = listener.ingest_file(path)
        assert report.received == 4000
        assert len(report.rejected) == expected.bad
        assert report.duplicates == expected.duplicates
        assert report.stored == expected.unique
        assert listener.store.counts()["feedback"] == expected.unique
        fields = Counter(rejection.field for rejection in report.rejected)
        assert fields["line"] == expected.broken  # the broken JSON lines
        assert {"nps", "csat", "occurred_at", "channel", "nsp", "kind"} <= fields.keys()
        assert "customer.contacts.email" in fields
        again = listener.ingest_file(path)
        assert again.stored == 0
        assert again.duplicates == expected.unique + expected.duplicates


def test_duplicates_repeat_an_earlier_line_byte_for_byte(tmp_path):
    path = tmp_path / "export.jsonl"
    write_jsonl(path, 3000, **MESSY)
    seen: set[str] = set()
    repeated = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        repeated += line in seen
        seen.add(line)
    assert repeated == plan(3000, **MESSY).duplicates


def test_a_csv_export_is_stored_and_rejected_the_same_way(tmp_path):
    path = tmp_path / "export.csv"
    expected = plan(3000, **MESSY)
    assert write_csv(path, 3000, **MESSY) == 3000
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(CSV_COLUMNS)
    with Listener(autoload=False) as listener:
        report = listener.ingest_file(path)
    assert report.received == 3000
    assert len(report.rejected) == expected.bad
    assert report.duplicates == expected.duplicates
    assert report.stored == expected.unique
    fields = Counter(rejection.field for rejection in report.rejected)
    assert fields["row"] == expected.broken  # rows with missing cells
    assert "follow_up_requested" in fields  # the CSV's stand-in for an unknown field


def test_csv_and_dicts_describe_the_same_customers(tmp_path):
    path = tmp_path / "export.csv"
    write_csv(path, 400, seed=2)
    with Listener(autoload=False) as from_csv, Listener(autoload=False) as from_dicts:
        from_csv.ingest_file(path)
        from_dicts.ingest(generate(400, seed=2))
        for record in generate(400, seed=2):
            email = record["customer"]["email"]
            a = from_csv.store.find_customer("email", email)
            b = from_dicts.store.find_customer("email", email)
            assert a is not None
            assert b is not None
            assert (a.name, a.segments, a.memberships, a.contacts) == (
                b.name,
                b.segments,
                b.memberships,
                b.contacts,
            )


def test_ingested_dicts_are_counted_like_the_files():
    expected = plan(3000, **MESSY)
    with Listener(autoload=False) as listener:
        report = listener.ingest(generate(3000, **MESSY))
    assert (len(report.rejected), report.duplicates, report.stored) == (
        expected.bad,
        expected.duplicates,
        expected.unique,
    )


def test_both_languages_every_kind_and_every_channel(sample):
    languages = Counter(r["customer"]["language"] for r in sample)
    assert set(languages) == {"es", "en"}
    assert 0.4 < languages["es"] / len(sample) < 0.6
    kinds = Counter(r.get("kind") for r in sample)
    assert {kind.value for kind in FeedbackKind} <= kinds.keys()
    assert 0.25 < kinds[None] / len(sample) < 0.35  # left for the analyzers
    stated = len(sample) - kinds[None]
    assert 0.25 < kinds["complaint"] / stated < 0.4
    assert 0.12 < kinds["praise"] / stated < 0.28
    assert {r["channel"] for r in sample} == {
        "web",
        "email",
        "chat",
        "phone",
        "survey",
        "social",
        "review",
    }
    follow_up = sum(r.get("follow_up_requested") is True for r in sample) / len(sample)
    assert 0.1 < follow_up < 0.22
    internal = sum(r["customer"].get("kind") == "internal" for r in sample) / len(sample)
    assert 0.02 < internal < 0.09


def test_ratings_are_on_their_scales_and_agree_with_the_text(sample):
    by_kind: dict[str, list[int]] = {"complaint": [], "praise": []}
    for record in sample:
        for scale, (low, high) in SCALES.items():
            if scale in record:
                assert type(record[scale]) is int
                assert low <= record[scale] <= high
        if record["channel"] in ("survey", "review"):
            assert any(scale in record for scale in SCALES)
        if record.get("kind") in by_kind and "nps" in record:
            by_kind[record["kind"]].append(record["nps"])
    assert statistics.mean(by_kind["complaint"]) < 5 < 8.5 < statistics.mean(by_kind["praise"])


def test_times_are_local_daytime_within_the_period(sample):
    end = DEFAULT_START + timedelta(days=30)
    hours: Counter[int] = Counter()
    for record in sample:
        when = datetime.fromisoformat(record["occurred_at"])
        zone = ZoneInfo(record["customer"]["timezone"])
        assert when.utcoffset() == when.astimezone(zone).utcoffset()  # the customer's own zone
        assert DEFAULT_START <= when < end
        hours[when.hour] += 1
    assert sum(hours[h] for h in range(9, 21)) > 3 * sum(hours[h] for h in (22, 23, 0, 1, 2, 3))
    assert len({r["customer"]["timezone"] for r in sample}) >= 10
    first = [datetime.fromisoformat(r["occurred_at"]) for r in sample[:500]]
    last = [datetime.fromisoformat(r["occurred_at"]) for r in sample[-500:]]
    assert max(first) < min(last)  # an export in time order, as sources write them


def test_a_custom_period():
    start = datetime(2026, 10, 20, 0, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    records = list(generate(2000, seed=8, start=start, days=14))  # across the end of summer time
    for record in records:
        when = datetime.fromisoformat(record["occurred_at"])
        assert start <= when < start + timedelta(days=14)
        zone = ZoneInfo(record["customer"]["timezone"])
        assert when.utcoffset() == when.astimezone(zone).utcoffset()


def test_texts_vary_and_some_complaints_share_a_problem(sample):
    texts = Counter(r["text"] for r in sample)
    assert len(texts) > 5000
    assert any(c in text for text in texts for c in "ñáéíóú")
    complaints = [r["text"].lower() for r in sample if r.get("kind") == "complaint"]
    shared = [t for t in complaints if "no puedo pagar" in t or "can't pay" in t]
    assert 0.05 * len(complaints) < len(shared) < 0.2 * len(complaints)
    cues = ("abogado", "lawyer", "dar de baja", "cancel my", "peligroso", "dangerous")
    assert sum(any(cue in t for cue in cues) for t in complaints) > 50
    assert any("!!!" in t for t in complaints)
    assert any(ord(c) > 0x1F300 for t in texts for c in t)  # emoji


def test_channels_have_their_own_shape(sample):
    by_channel: dict[str, list[dict]] = {}
    for record in sample:
        by_channel.setdefault(record["channel"], []).append(record)
    assert all(r.get("subject") for r in by_channel["email"])
    assert all(r.get("agent") for r in by_channel["phone"])
    assert all("csat" in r for r in by_channel["review"])
    assert any("thread_id" in r for r in by_channel["chat"])
    assert any("thread_id" in r for r in by_channel["email"])
    assert all(r["external_id"].startswith("web-") for r in by_channel["web"])
    assert all(r["external_id"].endswith("@mail.example.com>") for r in by_channel["email"])
    assert len({r["external_id"] for r in sample}) == len(sample)
    phone_notes = " ".join(r["text"] for r in by_channel["phone"])
    assert "Cliente" in phone_notes
    assert "Customer" in phone_notes


def test_customers_look_real_and_use_example_domains(sample):
    customers = {r["customer"]["email"].lower(): r["customer"] for r in sample}
    assert len(customers) > 500
    domains = {email.rsplit("@", 1)[1] for email in customers}
    assert all(re.search(r"(^|\.)example\.(com|org|net)$", domain) for domain in domains)
    assert any("ñ" in c["name"] or "á" in c["name"] for c in customers.values())
    phones = [c["phone"].replace(" ", "") for c in customers.values() if "phone" in c]
    assert phones
    assert all(re.fullmatch(r"\+[1-9][0-9]{7,14}", phone) for phone in phones)
    assert len(set(phones)) == len(phones)
    assert {p[:3] for p in phones} >= {"+34", "+52", "+44"}
    assert any(
        c.get("preferred_name") in ("Pepe", "Bill", "Paco", "Lola") for c in customers.values()
    )
    assert any(c.get("contacts", {}).get("x", "").startswith("@") for c in customers.values())
    levels = {level for c in customers.values() for level in c.get("memberships", {}).values()}
    assert levels >= {"bronze", "silver", "gold", "free", "pro"}
    assert any("consents" in c for c in customers.values())
    assert any(c.get("kind") == "internal" for c in customers.values())
    segments = Counter(s for c in customers.values() for s in c["segments"])
    assert {"consumer", "smb", "enterprise", "spain", "mexico", "uk", "usa"} <= segments.keys()


def test_most_external_customers_agree_to_surveys_and_staff_vary(sample):
    customers = {r["customer"]["email"].lower(): r["customer"] for r in sample}
    external = [c for c in customers.values() if c.get("kind") != "internal"]
    staff = [c for c in customers.values() if c.get("kind") == "internal"]
    agree = sum(c.get("consents", {}).get("surveys", False) for c in external) / len(external)
    assert 0.55 <= agree <= 0.70
    # Some never said (no consents recorded), some said no: both are refusals to survey.
    assert any("consents" not in c for c in external)
    assert any(c.get("consents", {}).get("surveys") is False for c in external)
    staff_agree = [c.get("consents", {}).get("surveys", False) for c in staff]
    assert any(staff_agree) and not all(staff_agree)
    assert sum(staff_agree) / len(staff_agree) < agree


def peak_memory(count: int, take: int) -> int:
    """The peak traced memory while reading ``take`` records of ``generate(count)``."""
    tracemalloc.start()
    try:
        for _ in itertools.islice(generate(count, seed=3), take):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_million_record_stream_starts_in_bounded_memory():
    # Nothing is sized by the count, and 25,000 records of a million already fill the customer
    # cache (the pool has 125,000 customers), so this is the most the stream ever holds.
    assert peak_memory(1_000_000, 25_000) < 30 * 1024 * 1024


@pytest.mark.slow
def test_generation_streams_in_flat_memory():
    assert peak_memory(200_000, 200_000) < 30 * 1024 * 1024


def test_the_demo_runs_the_loop_on_a_fresh_sqlite_file(tmp_path):
    lines: list[str] = []
    result = run(tmp_path, records=2000, seed=3, echo=lines.append)
    expected = plan(2000, seed=3, bad_share=0.004, duplicate_share=0.01)
    # The export, plus what the real channels stored and the survey answers accepted.
    assert result.surveys is not None
    heard_live = sum(tally.stored for tally in result.channels)
    answers = sum(result.surveys.accepted.values())
    assert result.summary.counts["feedback"] == expected.unique + heard_live + answers
    refused_live = sum(len(tally.rejected) for tally in result.channels)
    assert result.summary.counts["rejections"] == (
        2 * expected.bad + refused_live + len(result.surveys.rejected)  # both imports
    )
    assert result.second.stored == 0
    heard = result.listening
    assert heard.cases > 50 and heard.by_stage["closed"] > 0
    assert heard.escalations > 0 and heard.apologies > 0 and heard.gesture_cost > 0
    assert result.problem is not None and len(result.problem.cases) >= 2
    assert heard.informed > 0 and 0 < heard.loop_closure <= 1
    # Promises kept are counted once, one way: the summary's lines say what the report says.
    assert result.report is not None
    assert heard.service_levels == result.report.service_levels
    summary_text = "\n".join(lines)
    for level in result.report.service_levels:
        share = level.compliance.share
        assert share is not None and f"{100 * share:5.1f}% of {level.met + level.breached}" in (
            summary_text
        )
    assert len(list(result.outbox.glob("*.eml"))) == result.summary.counts["messages"]
    assert result.summary.nps.count > 0
    assert "nothing is stored twice" in "\n".join(lines)
    json.dumps(result.summary.by_channel)


def test_channel_traffic_is_reproducible_and_written_as_mail_clients_write():
    start = DEFAULT_START  # the demo's first two days
    traffic = channel_traffic(seed=4, start=start, days=2)
    assert traffic == channel_traffic(seed=4, start=start, days=2)
    assert traffic != channel_traffic(seed=5, start=start, days=2)
    assert (len(traffic.emails), len(traffic.forms), len(traffic.transcripts)) == (36, 30, 10)
    kinds = Counter()
    for email in traffic.emails:
        found = read_email(email.raw)
        assert found.sender == email.sender.lower() and found.text.strip()
        head = email.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        assert f"Message-ID: {email.message_id}" in head
        kinds["latin-1"] += b'charset="iso-8859-1"' in email.raw
        kinds["alternative"] += "multipart/alternative" in head
        kinds["html only"] += "Content-Type: text/html" in head
    assert min(kinds.values()) > 0, kinds
    reply, first = read_email(traffic.emails[-1].raw), traffic.emails[0]
    assert reply.thread_root == first.message_id
    assert "Acme Care" not in reply.text  # the quoted acknowledgement is not new words
    languages = {form["data"]["customer"]["language"] for form in traffic.forms}
    assert languages == {"es", "en"}
    assert all(form["type"] == "form.submitted" for form in traffic.forms)
    channels = Counter(record["channel"] for record in traffic.transcripts)
    assert channels == {"chat": 7, "phone": 3}
    ids = [record["external_id"] for record in traffic.transcripts]
    assert len(set(ids)) == 10 and not set(ids) & {r["external_id"] for r in generate(400)}
    chat = next(r for r in traffic.transcripts if r["channel"] == "chat")
    assert len(read_transcript(chat["transcript"]).turns) == 3


@given(
    survey=st.sampled_from(sorted(SCALES)),
    language=st.sampled_from(["es", "en", "es-MX", "pt"]),
    feeling=st.sampled_from([-1, 0, 1]),
    key=st.text(max_size=20),
)
def test_survey_answers_are_form_text_on_the_surveys_scale(survey, language, feeling, key):
    fields = survey_answers(survey, language, feeling, key=key)
    assert fields == survey_answers(survey, language, feeling, key=key)
    low, high = SCALES[survey]
    assert fields[survey].isdigit() and low <= int(fields[survey]) <= high
    assert set(fields) <= {survey, "comment"}
