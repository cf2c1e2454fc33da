"""Print the engine's error on each public calibration point.

    .venv/bin/python bench/calibration.py

The points (published figure, source, tolerance) live in tests/sizing_engine/calibration.py,
which the calibration tests assert; this prints the table the README quotes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sizing_engine.calibration import POINTS  # noqa: E402


def main() -> None:
    print("| point | source | published | estimate | error | tolerance |")
    print("|---|---|---|---|---|---|")
    for p in POINTS:
        low, high = p.tolerance
        print(
            f"| {p.name} | {p.source} | {p.published:,.1f} {p.unit} | {p.estimate():,.1f} | "
            f"{p.error():+.1%} | {low:+.0%} to {high:+.0%} |"
        )


if __name__ == "__main__":
    main()
