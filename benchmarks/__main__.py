"""``python -m benchmarks [--strict]``: run every benchmark and print one row each."""

from __future__ import annotations

import argparse
import sys

from benchmarks import registry
from benchmarks.harness import Result, row

SUITES = [registry.run]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a result misses its target")
    parser.add_argument("--quick", action="store_true", help="a short run that only checks every benchmark works")
    args = parser.parse_args(argv)
    results: list[Result] = []
    for suite in SUITES:
        for result in suite(quick=args.quick):
            print(row(result), flush=True)
            results.append(result)
    missed = [r for r in results if r.ratio < 1]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
