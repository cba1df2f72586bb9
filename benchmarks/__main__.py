"""``python -m benchmarks <name> [options]``; without a name, list the benchmarks."""

from __future__ import annotations

import importlib
import sys

from benchmarks import BENCHMARKS


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "list"):
        print("usage: python -m benchmarks <name> [options]   (<name> --help for options)\n")
        print("available benchmarks:")
        for name, description in BENCHMARKS.items():
            print(f"  {name:10s} {description}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}; choose one of: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    return importlib.import_module(f"benchmarks.{name}").main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
