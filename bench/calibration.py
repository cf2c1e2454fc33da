"""Print the engine's error on each public calibration point.

    .venv/bin/python bench/calibration.py

The points (published figure, source, tolerance) live in tests/sizing_engine/calibration.py,
which the calibration tests assert; this prints the table the README quotes.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sizing_engine.calibration import POINTS  # noqa: E402
from tests.sizing_engine.calibration_training import TRAINING_POINTS  # noqa: E402


def main() -> None:
    print("| point | role | source | published | estimate | error | tolerance |")
    print("|---|---|---|---|---|---|---|")
    for p in POINTS + TRAINING_POINTS:
        low, high = p.tolerance
        try:
            p.estimate()
        except Exception as exc:  # noqa: BLE001 - print the refusal instead of the figure
            print(f"| {p.name} | {p.role} | {p.source} | {p.published:,.3f} | refused: {exc} |")
            continue
        fmt = ",.3f" if p.published < 10 else ",.1f"
        print(
            f"| {p.name} | {p.role} | {p.source} | {p.published:{fmt}} {p.unit} | "
            f"{p.estimate():{fmt}} | {p.error():+.1%} | {low:+.0%} to {high:+.0%} |"
        )
    checks = [p for p in TRAINING_POINTS if p.role == "check"]
    for label, group in (
        ("dense", [p for p in checks if "MoE" not in p.name]),
        ("MoE", [p for p in checks if "MoE" in p.name]),
    ):
        errors = [abs(p.error()) for p in group]
        print(
            f"held-out training, {label}: {len(errors)} points, median |error| "
            f"{statistics.median(errors):.1%}"
        )


if __name__ == "__main__":
    main()
