"""Themes a manager can act on: how well :func:`~clientvoice.analysis.find_themes` groups texts.

*Complaints on Twitter* (English, 9 customer-service domains): the domain is a coarse topic
label. For the top themes we report **purity** (share of themed texts whose theme's most common
domain is their own), **NMI** (normalized mutual information between theme and domain, over the
themed texts) and **coverage** (share of all texts that are in some theme).

*Spanish reviews (RestMex 2021)*: the data has no place type, only the place reviewed; we report
purity and NMI against the place and show label examples.

*Demo month*: the top 10 labels of the complaints of ``clientvoice demo --records 3000`` (made in
a temporary folder; set ``CLIENTVOICE_THEMES_DEMO`` to an existing demo's ``clientvoice.db`` to
reuse one).

*Scale*: 100,000 texts (the sets' texts repeated with new ids) in a fresh subprocess, for time
and peak memory.

Run ``python benchmarks/run.py --only themes`` or ``python benchmarks/bench_themes.py [scale]``.
Without the data folder the data rows are skipped and the script says so.
"""

from __future__ import annotations

import csv
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _analysis_data import data_folder  # noqa: E402
from _table import Row, format_table  # noqa: E402

TOP = 20  # themes asked for on the labeled sets
SCALE_TEXTS = 100_000


def run(scale: float = 1.0) -> list[Row]:
    """The benchmark rows; labeled-set rows only when the shared data folder is present."""
    rows: list[Row] = []
    folder = data_folder()
    if folder is None:
        print("bench_themes: no shared data folder; labeled-set rows skipped")
    else:
        twitter = _twitter(folder)
        if twitter:
            rows += _labeled_rows("en complaints (domain)", twitter)
        restmex = _restmex(folder)
        if restmex:
            rows += _labeled_rows("es RestMex (place)", restmex)
        texts = [text for text, _ in twitter + restmex]
        if texts:
            rows.append(_scale_row(texts, max(1000, int(SCALE_TEXTS * scale))))
    demo = _demo_feedback()
    if demo:
        rows.append(_demo_row(demo))
    return rows


# --------------------------------------------------------------------------------------------


def _twitter(folder: Path) -> list[tuple[str, str]]:
    path = folder / "english-complaints-twitter" / "complaints-data.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return [(row[1], row[3].strip()) for row in csv.reader(handle) if len(row) >= 4]


def _restmex(folder: Path) -> list[tuple[str, str]]:
    path = folder / "spanish-reviews-restmex2021" / "restmex2021.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return [
            (row["Title"].strip('"') + ". " + row["Opinion"].strip('"'), row["Place"].strip())
            for row in csv.DictReader(handle)
        ]


def _labeled_rows(name: str, data: Sequence[tuple[str, str]]) -> list[Row]:
    from clientvoice.analysis import find_themes

    items = [(f"f{i}", f"c{i}", text) for i, (text, _) in enumerate(data)]
    started = time.perf_counter()
    themes = find_themes(items, max_themes=TOP)
    seconds = time.perf_counter() - started
    gold = {f"f{i}": label for i, (_, label) in enumerate(data)}
    assigned = {fid: index for index, theme in enumerate(themes) for fid in theme.feedback_ids}
    purity, nmi = _purity_nmi([(theme, gold[fid]) for fid, theme in assigned.items()])
    coverage = len(assigned) / len(data)
    labels = "; ".join(f"{t.label} ({t.count})" for t in themes[:8])
    return [
        Row(f"themes {name}: purity", purity, "", note=f"top {TOP} themes; {labels}"),
        Row(f"themes {name}: NMI", nmi, ""),
        Row(
            f"themes {name}: coverage",
            coverage,
            "",
            note=f"{len(assigned):,} of {len(data):,} texts, {len(themes)} themes, {seconds:.2f} s",
        ),
    ]


def _purity_nmi(pairs: Sequence[tuple[int, str]]) -> tuple[float, float]:
    """Purity and NMI (arithmetic-mean normalization) of cluster ids against gold labels."""
    if not pairs:
        return 0.0, 0.0
    total = len(pairs)
    joint = Counter(pairs)
    clusters = Counter(cluster for cluster, _ in pairs)
    labels = Counter(label for _, label in pairs)
    best: dict[int, int] = {}
    for (cluster, _), count in joint.items():
        best[cluster] = max(best.get(cluster, 0), count)
    purity = sum(best.values()) / total
    mutual = sum(
        count / total * math.log(count * total / (clusters[c] * labels[g]))
        for (c, g), count in joint.items()
    )
    h_clusters = -sum(n / total * math.log(n / total) for n in clusters.values())
    h_labels = -sum(n / total * math.log(n / total) for n in labels.values())
    mean = (h_clusters + h_labels) / 2
    return purity, (mutual / mean if mean else 0.0)


def _demo_feedback() -> list[tuple[str, str, str]]:
    """The demo's complaints (every kind but ideas), made in a temporary folder if needed."""
    from clientvoice.models import FeedbackKind
    from clientvoice.stores import open_store

    database = os.environ.get("CLIENTVOICE_THEMES_DEMO")
    keep = tempfile.TemporaryDirectory() if not database else None
    try:
        if keep is not None:
            script = Path(sys.executable).parent / "clientvoice"
            command = [str(script), "demo", "--records", "3000"]
            command += ["--out", keep.name]
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                print(f"bench_themes: demo failed, row skipped: {done.stderr[-300:]}")
                return []
            database = str(Path(keep.name) / "clientvoice.db")
        store = open_store(f"sqlite:///{database}")
        ideas = (FeedbackKind.SUGGESTION, FeedbackKind.IDEA)
        return [
            (f.id, f.customer_id, f.text)
            for f in store.iter_feedback()
            if f.kind not in ideas and f.text.strip()
        ]
    finally:
        if keep is not None:
            keep.cleanup()


def _demo_row(items: Sequence[tuple[str, str, str]]) -> Row:
    from clientvoice.analysis import find_themes

    themes = find_themes(items, max_themes=10, quotes=1)
    for rank, theme in enumerate(themes, 1):
        also = f"  [{'; '.join(theme.key_phrases[:3])}]" if theme.key_phrases else ""
        print(f"demo theme {rank:2}: {theme.label!r} {theme.count} texts{also}")
    covered = sum(theme.count for theme in themes)
    return Row(
        "themes demo month: coverage of top 10",
        covered / len(items),
        "",
        note="; ".join(f"{t.label} ({t.count})" for t in themes),
    )


def _scale_row(texts: Sequence[str], count: int) -> Row:
    corpus = [texts[i % len(texts)] for i in range(count)]
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    done = subprocess.run(
        command, input=json.dumps(corpus), capture_output=True, text=True, check=True, timeout=1800
    )
    measured = json.loads(done.stdout)
    return Row(
        f"themes: find_themes on {count:,} texts",
        measured["seconds"],
        "s",
        note=f"{measured['themes']} themes; peak RSS {measured['max_rss_mb']:.0f} MB (child)",
    )


def _child() -> None:
    from clientvoice.analysis import find_themes

    texts = json.loads(sys.stdin.read())
    items = [(f"f{i}", f"c{i % 7919}", text) for i, text in enumerate(texts)]
    started = time.perf_counter()
    themes = find_themes(items)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "themes": len(themes), "max_rss_mb": rss}))


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        print(format_table(run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
