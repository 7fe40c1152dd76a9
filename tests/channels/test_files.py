"""CSV and JSONL imports: mapping, strict cell conversion, line numbers, streaming."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import ConfigurationError, Listener
from clientvoice.channels.files import read_csv, read_jsonl, read_records

HELPDESK_CSV = """\
Ticket ID,Created at,Requester,Requester email,Channel,Description,Score,Follow up,Segments
T-1,2026-03-02T09:15:00+01:00,Ana López,ana@example.com,email,"Roto, ¿me llaman?",3,sí,smb;madrid
T-2,2026-03-02T10:00:00+01:00,Bob Stone,bob@example.org,phone,"Great help, thanks",10,no,
T-3,2026-03-02T11:00:00+01:00,Eve,eve@example.net,chat,Score is wrong,8.5,,
T-4,2026-03-02T12:00:00+01:00,Zed,zed@example.net,fax,Hello,5,,
T-5,2026-03-02T13:00:00,Naive,naive@example.net,web,No zone,5,,
"""

MAPPING = {
    "external_id": "Ticket ID",
    "occurred_at": "Created at",
    "customer.name": "Requester",
    "customer.email": "Requester email",
    "customer.segments": "Segments",
    "channel": "Channel",
    "text": "Description",
    "nps": "Score",
    "follow_up_requested": "Follow up",
}


@pytest.fixture
def helpdesk(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(HELPDESK_CSV, encoding="utf-8")
    return path


def test_a_mapped_csv_is_ingested_and_bad_rows_are_rejected_by_line(helpdesk):
    with Listener() as listener:
        report = listener.ingest_file(helpdesk, mapping=MAPPING)
        assert (report.received, report.stored, len(report.rejected)) == (5, 2, 3)
        reasons = {r.line: (r.field, r.reason) for r in report.rejected}
        assert reasons[4][0] == "nps" and "whole number" in reasons[4][1]
        assert reasons[5][0] == "channel" and "unknown channel 'fax'" in reasons[5][1]
        assert reasons[6][0] == "occurred_at"
        assert all(r.source == str(helpdesk) for r in report.rejected)
        assert "T-3" in report.rejected[0].raw
        assert listener.dead_letters() == list(report.rejected)
        ana = listener.store.find_customer("email", "ana@example.com")
        assert ana is not None
        assert ana.segments == {"smb", "madrid"}
        (feedback,) = listener.store.iter_feedback(customer_id=ana.id)
        assert feedback.follow_up_requested is True
        assert feedback.text == "Roto, ¿me llaman?"
        again = listener.ingest_file(helpdesk, mapping=MAPPING)
        assert (again.stored, again.duplicates) == (0, 2)


def test_a_mapping_naming_missing_columns_fails_before_reading(helpdesk):
    with pytest.raises(ConfigurationError, match="Ticket Number"):
        list(read_records(helpdesk, mapping={"external_id": "Ticket Number"}))


def test_a_mapping_to_an_unknown_field_fails(helpdesk):
    with pytest.raises(ConfigurationError, match="cannot map to 'score'"):
        list(read_records(helpdesk, mapping={"score": "Score"}))


def test_unknown_formats_and_missing_files_are_configuration_errors(tmp_path):
    with pytest.raises(ConfigurationError, match="format"):
        list(read_records(tmp_path / "x.xlsx"))
    with pytest.raises(ConfigurationError, match="no such file"):
        list(read_records(tmp_path / "x.csv"))


def test_jsonl_lines_that_cannot_be_read_are_rejected_and_the_rest_goes_in(tmp_path):
    good = {
        "channel": "web",
        "external_id": "w1",
        "occurred_at": "2026-03-02T09:15:00Z",
        "text": "ok",
    }
    lines = [
        json.dumps(good),
        "{broken json",
        "",
        json.dumps([1, 2]),
        "[" * 50_000 + "]" * 50_000,
        json.dumps({**good, "external_id": "w2", "nps": 11}),
        b"\xff\xfe not utf-8".decode("latin-1"),
        json.dumps({**good, "external_id": "w3"}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Listener() as listener:
        report = listener.ingest_file(path)
    assert report.stored == 2
    assert [r.line for r in report.rejected] == [2, 4, 5, 6, 7]
    assert "not valid JSON" in report.rejected[0].reason
    assert "JSON object" in report.rejected[1].reason
    assert "nested too deeply" in report.rejected[2].reason
    assert report.rejected[3].field == "nps"


def test_jsonl_mapping_takes_dotted_paths(tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_text(
        json.dumps(
            {
                "review": {"id": 991, "stars": 2, "body": "Frío y tarde"},
                "author": {"mail": "luz@example.com"},
                "at": "2026-03-02T20:00:00-06:00",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    mapping = {
        "external_id": "review.id",
        "csat": "review.stars",
        "text": "review.body",
        "customer.email": "author.mail",
        "occurred_at": "at",
    }
    with Listener() as listener:
        report = listener.ingest_file(path, mapping=mapping, channel="review")
        assert report.stored == 1, report.rejected
        (feedback,) = listener.store.iter_feedback()
        assert (feedback.csat, feedback.text) == (2, "Frío y tarde")


def test_csv_rows_with_the_wrong_number_of_cells_are_rejected():
    import io

    text = io.StringIO("external_id,text\nx1,hola\nx2,a,b\n")
    rows = list(read_csv(text, source="s"))
    assert rows[0].record == {"external_id": "x1", "text": "hola"}
    assert rows[1].error is not None
    assert rows[1].line == 3


def test_csv_line_numbers_follow_multiline_cells():
    import io

    text = io.StringIO('external_id,text\nx1,"line one\nline two"\nx2,third\n')
    rows = list(read_csv(text))
    assert [row.line for row in rows] == [2, 4]
    assert rows[0].record is not None
    assert rows[0].record["text"] == "line one\nline two"


@pytest.mark.parametrize(
    ("cell", "value"),
    [("yes", True), ("Sí", True), ("x", True), ("TRUE", True), ("no", False), ("0", False)],
)
def test_follow_up_cells(cell, value):
    import io

    (row,) = read_csv(io.StringIO(f"follow_up_requested\n{cell}\n"))
    assert row.record == {"follow_up_requested": value}


def test_memberships_cells():
    import io

    (row,) = read_csv(io.StringIO("customer.memberships\nloyalty=gold; plan=pro\n"))
    assert row.record == {"customer": {"memberships": {"loyalty": "gold", "plan": "pro"}}}
    (bad,) = read_csv(io.StringIO("customer.memberships\ngold\n"))
    assert bad.error is not None
    assert bad.error.field == "customer.memberships"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=6)
)
def test_any_csv_text_is_read_or_rejected_without_crashing(cells):
    import csv as csvmodule
    import io

    buffer = io.StringIO()
    # An escape character lets Python 3.10's writer write a NUL (3.11+ needs none); 3.10's
    # reader then refuses that line, which read_csv must turn into a rejection.
    writer = csvmodule.writer(buffer, escapechar="\\")
    writer.writerow(["external_id", "text", "nps"])
    for index, cell in enumerate(cells):
        writer.writerow([f"id{index}", cell, cell])
    buffer.seek(0)
    rows = list(read_csv(buffer))
    for row in rows:
        assert (row.record is None) != (row.error is None)
        if row.record is not None and "nps" in row.record:
            assert type(row.record["nps"]) is int


def test_reading_is_streaming(tmp_path):
    """A reader yields before the file is exhausted (it does not load the file first)."""
    path = tmp_path / "big.jsonl"
    with path.open("w") as handle:
        for n in range(1000):
            handle.write(json.dumps({"external_id": f"x{n}", "text": "t"}) + "\n")
    with path.open("rb") as handle:
        rows = read_jsonl(handle)
        first = next(rows)
        assert first.line == 1
        assert handle.tell() < path.stat().st_size
