"""``python -m benchmarks [--quick] [--strict] [--output FILE] [--only NAME…]``: every benchmark, one row each.

Each row: what is measured, its rate, the named comparison's rate from the same run, the ratio, the target
and whether it is met. The rows go to ``benchmarks/results.json`` too (``--quick`` writes nothing unless
``--output`` says where: a quick run only checks the benchmarks still work)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import doctor, http, oauth1, pending, registry
from benchmarks.harness import Row, render, write_json

SUITES: dict[str, Callable[..., list[Row]]] = {
    "oauth1": oauth1.run,
    "http": http.run,
    "doctor": doctor.run,
    "registry": registry.run,
    "pending": pending.run,
}
RESULTS = Path(__file__).parent / "results.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a measured row misses its target")
    parser.add_argument("--quick", action="store_true", help="a short run that only checks every benchmark works")
    parser.add_argument("--output", type=Path, help=f"where to write the rows as JSON (default {RESULTS})")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITES), help="run only these suites")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name, suite in SUITES.items():
        if args.only and name not in args.only:
            continue
        for row in suite(quick=args.quick):
            print(render(row), flush=True)
            rows.append(row)
    output = args.output or (None if args.quick else RESULTS)
    if output is not None:
        write_json(rows, output, quick=args.quick)
    return 1 if args.strict and any(row.met is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
