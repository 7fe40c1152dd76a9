"""Build the learned part of the shipped English sentiment lexicon from its licensed source.

clientvoice's English sentiment lexicon has two parts, merged when first used:

* ``src/clientvoice/analysis/data/en_base.tsv`` (written by this script): the word and emoticon
  valences of the VADER lexicon (Hutto & Gilbert, ICWSM 2014), MIT licence, copyright (c) 2016
  C.J. Hutto; the licence text ships next to it as ``LICENSE-vader.txt``. Each valence is the mean
  of ten human ratings on -4..+4; we keep the mean, rounded to two decimals, and drop the raw
  ratings and standard deviations.
* ``en_feedback.tsv``: our own entries for customer feedback ("refund", "stopped working"...),
  written by hand; they override the base where both have a word.

Run from the repository root, with the ``test`` extra installed (it provides ``vaderSentiment``)::

    python tools/build_lexicons.py
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "clientvoice" / "analysis" / "data"


def main() -> int:
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or not spec.submodule_search_locations:
        print("install vaderSentiment (the 'test' extra) first", file=sys.stderr)
        return 1
    folder = Path(next(iter(spec.submodule_search_locations)))
    source = folder / "vader_lexicon.txt"
    # Some tokens are listed twice ("lol", "ok") or in two cases (":D", ":d"). VADER reads the
    # file into a dict (a later line wins) and looks tokens up lowercased, so the value it uses
    # is the last line written in lowercase; we keep that one, and an entry written only in
    # capitals under its lowercase form.
    lower: dict[str, float] = {}
    other: dict[str, float] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip():
            continue
        key = parts[0].strip()
        (lower if key == key.lower() else other)[key.lower()] = round(float(parts[1]), 2)
    rows = sorted({**other, **lower}.items())
    header = (
        "# Derived from the VADER sentiment lexicon (MIT, (c) 2016 C.J. Hutto; see"
        " LICENSE-vader.txt)\n# by tools/build_lexicons.py. Columns: token, mean human valence"
        " on -4..+4.\n"
    )
    body = "".join(f"{word}\t{value:g}\n" for word, value in rows)
    (DATA / "en_base.tsv").write_text(header + body, encoding="utf-8")
    licence = next(folder.parent.glob("vaderSentiment-*.dist-info/LICENSE*"), None)
    if licence is not None:
        (DATA / "LICENSE-vader.txt").write_text(licence.read_text(encoding="utf-8"), "utf-8")
    print(f"wrote {len(rows)} entries to {DATA / 'en_base.tsv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
