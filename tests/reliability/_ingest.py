"""One ingesting process of the reliability tests: ``python _ingest.py URL FILE``.

Ingests the JSONL file into the PostgreSQL store at ``URL`` and prints the report's counts as
JSON (stored, duplicates) on its last line.
"""

from __future__ import annotations

import json
import sys

from clientvoice import Listener


def main(url: str, path: str) -> None:
    with Listener.open(url, autoload=False, batch_size=500) as listener:
        report = listener.ingest_file(path, channel="web")
    print(json.dumps({"stored": report.stored, "duplicates": report.duplicates}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
