#!/usr/bin/env python3
"""No module over ~400 lines without a line at its top saying why (run by scripts/lint.sh).

A Python module of apps/ or config/ (migrations excepted) longer than `LIMIT` lines must say in
its docstring, within its first `HEAD` lines, why it is long: a line containing "400 lines"
(for example "Longer than ~400 lines on purpose: …"). Prints each module that does not and
exits 1 if there is any.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 400
HEAD = 15
MARK = "400 lines"


def long_modules_without_reason() -> list[tuple[Path, int]]:
    found = []
    for top in ("apps", "config"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > LIMIT and not any(MARK in line for line in lines[:HEAD]):
                found.append((path.relative_to(ROOT), len(lines)))
    return found


def main() -> int:
    found = long_modules_without_reason()
    for path, count in found:
        print(
            f"{path}: {count} lines, over {LIMIT}: split it, or say why in its docstring's first "
            f"{HEAD} lines (a line with '{MARK}')"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
