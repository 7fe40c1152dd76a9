"""The demo: realistic feedback flowing through clientvoice on a fresh SQLite file, with a summary.

``clientvoice demo`` (and ``make demo``) call :func:`run`. It writes a generated JSONL export —
Spanish and English customers on seven channels, with a few malformed rows and resent duplicates,
as real exports have — ingests it into a new SQLite database, ingests it a second time to show
that nothing is stored twice, and prints what was heard.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import attrs

from clientvoice.listener import IngestReport, Listener
from clientvoice.models import Feedback
from clientvoice.stores.base import Store
from clientvoice.surveys.metrics import Score, ces, csat, nps

__all__ = ["DemoResult", "Summary", "run", "summarize"]


@attrs.frozen
class Summary:
    """What a store holds, in numbers a person reads: volumes, mix and survey scores."""

    counts: dict[str, int]
    by_channel: dict[str, int]
    by_kind: dict[str, int]
    by_language: dict[str, int]
    follow_up_requested: int
    nps: Score
    csat: Score
    ces: Score

    def lines(self) -> list[str]:
        """The summary as lines of text."""
        total = max(self.counts.get("feedback", 0), 1)

        def mix(counter: dict[str, int]) -> str:
            return ", ".join(
                f"{name} {count} ({100 * count / total:.0f}%)"
                for name, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            )

        return [
            f"customers     {self.counts.get('customers', 0):>8}",
            f"interactions  {self.counts.get('interactions', 0):>8}",
            f"feedback      {self.counts.get('feedback', 0):>8}",
            f"events        {self.counts.get('events', 0):>8}",
            f"dead letters  {self.counts.get('rejections', 0):>8}",
            "",
            f"by channel:   {mix(self.by_channel)}",
            f"by kind:      {mix(self.by_kind)}",
            f"by language:  {mix(self.by_language)}",
            f"follow-up requested: {self.follow_up_requested}",
            "",
            f"{self.nps}   promoters {self.nps.parts['promoters']}, "
            f"passives {self.nps.parts['passives']}, detractors {self.nps.parts['detractors']}",
            f"{self.csat}",
            f"{self.ces}",
        ]


def summarize(store: Store) -> Summary:
    """Read the whole store once and count what customers said."""
    kinds: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    follow_ups = 0
    nps_answers: list[int] = []
    csat_answers: list[int] = []
    ces_answers: list[int] = []
    feedback: Feedback
    for feedback in store.iter_feedback():
        kinds[feedback.kind.value if feedback.kind else "unknown"] += 1
        languages[feedback.language or "unknown"] += 1
        follow_ups += feedback.follow_up_requested
        if feedback.nps is not None:
            nps_answers.append(feedback.nps)
        if feedback.csat is not None:
            csat_answers.append(feedback.csat)
        if feedback.ces is not None:
            ces_answers.append(feedback.ces)
    channels: Counter[str] = Counter(i.channel for i in store.iter_interactions())
    return Summary(
        counts=store.counts(),
        by_channel=dict(channels),
        by_kind=dict(kinds),
        by_language=dict(languages),
        follow_up_requested=follow_ups,
        nps=nps(nps_answers),
        csat=csat(csat_answers),
        ces=ces(ces_answers),
    )


@attrs.frozen
class DemoResult:
    """What :func:`run` did: both ingestion reports, the summary and where the files are."""

    database: Path
    export: Path
    first: IngestReport
    second: IngestReport
    summary: Summary
    seconds: float


def run(
    out: Path,
    *,
    records: int = 20_000,
    seed: int = 7,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Generate an export into ``out``, ingest it twice into ``out/clientvoice.db``, summarise.

    An existing database in ``out`` is replaced, so every run starts fresh.
    """
    from clientvoice.demodata import write_jsonl

    out.mkdir(parents=True, exist_ok=True)
    database = out / "clientvoice.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    export = out / "feedback-export.jsonl"
    echo(f"Generating {records:,} records of customer feedback (seed {seed}) into {export}")
    write_jsonl(export, records, seed=seed, bad_share=0.004, duplicate_share=0.01)

    started = time.perf_counter()
    with Listener.open(f"sqlite:///{database}") as listener:
        echo(f"Hearing them with {listener!r}")
        first = listener.ingest_file(export)
        echo(f"  first pass:  {first}")
        second = listener.ingest_file(export)
        echo(f"  second pass: {second}  (the same file again: nothing is stored twice)")
        seconds = time.perf_counter() - started
        summary = summarize(listener.store)
        echo("")
        echo("What customers said")
        echo("-------------------")
        for line in summary.lines():
            echo(line)
        rejected = listener.dead_letters()
        if rejected:
            echo("")
            echo(f"Dead letters ({len(rejected)} kept with their reason), for example:")
            for rejection in rejected[:4]:
                echo(f"  {rejection}")
        echo("")
        echo("Plugins: " + ", ".join(f"{p.name} ({p.source})" for p in listener.plugin_info()))
    echo(f"Database: {database}")
    return DemoResult(
        database=database,
        export=export,
        first=first,
        second=second,
        summary=summary,
        seconds=seconds,
    )
