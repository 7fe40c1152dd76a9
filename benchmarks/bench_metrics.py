"""NPS by month x segment over a million survey responses in a SQLite store, against pandas.

*Ours* is the real path: ``trend(store, "nps", period="month", by="segment")`` on a
``SQLiteStore``, which counts answers per (month, segment JSON, answer) in one SQL ``GROUP BY``
and scores each group with its margin of error in Python.

The peers compute the same numbers with pandas, the way a pandas user would:

* *pandas, read + groupby*: ``pandas.read_sql`` of the responses (customer, time, score) and of
  the customers' segments from the same SQLite file, then segments exploded, merged, months
  taken and ``groupby(["month", "segment"])`` counting promoters, detractors and answers, with
  the NPS and its margin computed column-wise. This is the peer of the target.
* *pandas, groupby only*: the same merge and groupby on DataFrames already in memory (reading
  excluded), shown for scale.

Each side runs ``REPEATS`` times, alternating, and its best time counts. Both must give the same
counts per (month, segment), which the row's note confirms.

The store is built once per size through ``SQLiteStore.ingest`` (batches of 5,000) and cached in
the temporary folder (``clientvoice-bench-metrics/``), keyed by size and seed.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _table import Row  # noqa: E402

RESPONSES = 1_000_000
CUSTOMERS = 20_000
SEED = 7
BATCH = 5000
REPEATS = 3
TARGET_RATIO = 2.0
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
SECONDS = 365 * 86400
COUNTRIES = ("spain", "mexico", "argentina", "colombia", "chile", "peru", "usa", "uk", "canada")
SIZES = ("consumer", "consumer", "consumer", "smb", "enterprise")


def run(scale: float) -> list[Row]:
    count = max(5000, int(RESPONSES * scale))
    started = time.perf_counter()
    path, built = store_file(count)
    build_seconds = time.perf_counter() - started
    import pandas

    ours_best = read_best = loaded_best = float("inf")
    ours_result: dict[tuple[str, str], tuple[int, float]] = {}
    peer_result: dict[tuple[str, str], tuple[int, float]] = {}
    frames = _read(path)
    for _ in range(REPEATS):
        seconds, ours_result = _timed(_ours, path)
        ours_best = min(ours_best, seconds)
        seconds, peer_result = _timed(_pandas_read_and_group, path)
        read_best = min(read_best, seconds)
        seconds, _ = _timed(_pandas_group, *frames)
        loaded_best = min(loaded_best, seconds)

    same = ours_result.keys() == peer_result.keys() and all(
        ours_result[key][0] == peer_result[key][0]
        and abs(ours_result[key][1] - peer_result[key][1]) < 1e-9
        for key in ours_result
    )
    label = _short(count)
    agreement = (
        f"same counts and NPS in all {len(ours_result)} (month, segment) groups"
        if same
        else "RESULTS DIFFER from pandas"
    )
    ratio = ours_best / read_best
    store_note = (
        f"store built in {build_seconds:.1f} s"
        if built
        else f"store reused from the cache ({path})"
    )
    return [
        Row(
            name=f"NPS by month x segment, {label} responses (SQLite)",
            ours=ours_best,
            unit="s",
            floor=read_best,
            ratio=ratio,
            target=f"<= {TARGET_RATIO:.1f}x pandas read + groupby",
            met=ratio <= TARGET_RATIO and same,
            note=(
                f"best of {REPEATS}; pandas {pandas.__version__} read_sql + merge + groupby on "
                f"the same file; {agreement}; {store_note}"
            ),
        ),
        Row(
            name=f"NPS by month x segment, {label}: vs pandas groupby in memory",
            ours=ours_best,
            unit="s",
            floor=loaded_best,
            ratio=ours_best / loaded_best,
            note="pandas on DataFrames already read (merge + groupby only), for scale; no target",
        ),
    ]


def store_file(count: int) -> tuple[Path, bool]:
    """The cached SQLite file with ``count`` responses, and whether it was built just now."""
    folder = Path(tempfile.gettempdir()) / "clientvoice-bench-metrics"
    path = folder / f"responses-{count}-seed{SEED}.db"
    done = path.with_suffix(".done")
    if path.exists() and done.exists():
        return path, False
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    _build(path, count)
    done.write_text("ok\n", encoding="utf-8")
    return path, True


# --------------------------------------------------------------------------------------------
# The sides


def _ours(path: Path) -> dict[tuple[str, str], tuple[int, float]]:
    from clientvoice.stores.sqlite import SQLiteStore
    from clientvoice.surveys.metrics import trend

    with SQLiteStore(path) as store:
        breakdown = trend(store, "nps", period="month", by="segment")
    return {
        (point.start.date().isoformat()[:7], point.group): (point.score.count, point.score.value)
        for point in breakdown
        if point.start is not None and point.group is not None and point.score.value is not None
    }


def _read(path: Path) -> tuple[Any, Any]:
    """The responses and the customers' segments as DataFrames, read with pandas."""
    import pandas

    connection = sqlite3.connect(path)
    try:
        responses = pandas.read_sql(
            "SELECT customer_id, created_at, nps FROM feedback WHERE nps IS NOT NULL", connection
        )
        customers = pandas.read_sql("SELECT id AS customer_id, segments FROM customers", connection)
    finally:
        connection.close()
    responses["created_at"] = pandas.to_datetime(
        responses["created_at"], utc=True, format="ISO8601"
    )
    customers["segment"] = customers["segments"].map(json.loads)
    segments = customers.explode("segment").dropna(subset=["segment"])[["customer_id", "segment"]]
    return responses, segments


def _pandas_group(responses: Any, segments: Any) -> dict[tuple[str, str], tuple[int, float]]:
    """NPS and its 95 % margin by month and segment, column-wise."""
    import numpy

    months = responses["created_at"].dt.tz_convert(None).to_numpy().astype("datetime64[M]")
    frame = responses[["customer_id", "nps"]].assign(
        month=months, promoter=responses["nps"] >= 9, detractor=responses["nps"] <= 6
    )
    frame = frame.merge(segments, on="customer_id")
    grouped = frame.groupby(["month", "segment"]).agg(
        count=("nps", "size"), promoters=("promoter", "sum"), detractors=("detractor", "sum")
    )
    p = grouped["promoters"] / grouped["count"]
    d = grouped["detractors"] / grouped["count"]
    grouped["nps"] = 100 * (p - d)
    grouped["margin"] = (
        100 * 1.959963984540054 * numpy.sqrt((p + d - (p - d) ** 2) / grouped["count"])
    )
    return {
        (str(month)[:7], segment): (int(row.count), float(row.nps))
        for (month, segment), row in zip(grouped.index, grouped.itertuples(), strict=True)
    }


def _pandas_read_and_group(path: Path) -> dict[tuple[str, str], tuple[int, float]]:
    return _pandas_group(*_read(path))


def _timed(function: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


# --------------------------------------------------------------------------------------------
# The data


def _build(path: Path, count: int) -> None:
    """``count`` NPS responses over 2025 from ``CUSTOMERS`` customers, each in a country and a
    size segment (a tenth also "vip"), ingested through the store in batches."""
    from clientvoice.models import Customer, Feedback, Heard, Interaction
    from clientvoice.stores.sqlite import SQLiteStore

    rng = random.Random(SEED)
    customers = []
    for number in range(CUSTOMERS):
        segments = {rng.choice(COUNTRIES), rng.choice(SIZES)}
        if rng.random() < 0.1:
            segments.add("vip")
        customers.append(Customer(id=f"cus-{number}", segments=segments))
    # Each segment leans its own way, so the groups have different scores.
    lean = {segment: rng.uniform(-2, 2) for segment in (*COUNTRIES, *SIZES, "vip")}
    channels = ("web", "email", "chat", "survey")
    offsets = sorted(rng.randrange(SECONDS) for _ in range(count))
    with SQLiteStore(path) as store:
        batch: list[Heard] = []
        for number, offset in enumerate(offsets):
            customer = customers[rng.randrange(CUSTOMERS)]
            at = START + timedelta(seconds=offset)
            shift = sum(lean[segment] for segment in customer.segments)
            score = min(10, max(0, round(rng.gauss(7.5 + shift, 2.2))))
            interaction = Interaction(
                id=f"int-{number}",
                customer_id=customer.id,
                channel=channels[number % 4],
                occurred_at=at,
                external_id=f"r-{number}",
            )
            feedback = Feedback(
                id=f"fb-{number}",
                customer_id=customer.id,
                interaction_id=interaction.id,
                created_at=at,
                nps=score,
            )
            batch.append(Heard(customer=customer, interaction=interaction, feedback=feedback))
            if len(batch) == BATCH:
                store.ingest(batch)
                batch = []
        if batch:
            store.ingest(batch)


def _short(count: int) -> str:
    if count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count % 1000 == 0:
        return f"{count // 1000}k"
    return f"{count:,}"


if __name__ == "__main__":
    from _table import format_table

    print(format_table(run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
