"""Run the benchmarks and print one table.

    python benchmarks/run.py                  # every benchmarks/bench_*.py at full scale
    python benchmarks/run.py --scale 0.1      # a tenth of the work (quick look)
    python benchmarks/run.py --only ingest    # only bench_ingest.py
    python benchmarks/run.py --only metrics   # NPS by month x segment over 1M responses vs pandas
    python benchmarks/run.py --only postgres  # PostgreSQL ingestion vs raw COPY; 1, 2, 4 workers
    python benchmarks/run.py --json out.json  # also write the rows as JSON

Each ``bench_<name>.py`` module exposes ``run(scale: float) -> list[Row]``. A missed target is
reported (marked MISSED), not an error: the exit code is 0 unless a benchmark itself crashes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _table import Row, format_table, to_json  # noqa: E402


def discover() -> dict[str, Path]:
    """Benchmark name (``bench_ingest.py`` -> ``ingest``) to module path, sorted by name."""
    return {path.stem[len("bench_") :]: path for path in sorted(HERE.glob("bench_*.py"))}


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="work multiplier (default 1.0)")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this benchmark")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be > 0")

    found = discover()
    chosen = args.only or list(found)
    unknown = [name for name in chosen if name not in found]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(found)}")

    rows: list[Row] = []
    for name in chosen:
        print(f"running {name} (scale {args.scale:g}) ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        rows.extend(load(name, found[name]).run(args.scale))
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    print(format_table(rows), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(rows), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
