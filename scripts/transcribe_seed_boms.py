"""Transcribe the seed's five BoM tables (LP1798, "Bill of materials") into CSV.

Run once by hand: python scripts/transcribe_seed_boms.py ../shared/seed/000_c54636179bfd00bb.txt
The CSVs in fixtures/seed_boms/ are the committed result; the engine's conformance tests and the
catalog fixture test read them. Rows keep the seed's order, text and quantities exactly; `rack`
numbers the Large table's per-rack sections (a new "Server" line starts a rack).
"""

import csv
import sys
from pathlib import Path

TABLES = {
    "Table 1. Small config": "small",
    "Table 2. Medium config": "medium",
    "Table 3. Large config": "large",
    "Table 4. Repeatable node with high-speed Ethernet": "ethernet_node",
    "Table 5. NVIDIA AI Enterprise, Lenovo Intelligent Computing Orchestration and VMware": (
        "software"
    ),
}
SERVER_PARTS = {"7D9RCTOLWW", "7D9RCTO1WW"}


def parse(lines: list[str]) -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    current = None
    rack = 0
    for raw in lines:
        line = raw.rstrip("\n")
        if line.strip() in TABLES:
            current, rack = TABLES[line.strip()], 0
            tables[current] = []
            continue
        if current is None:
            continue
        cells = line.split("\t")
        if len(cells) != 3:
            if line.startswith(("Appendix", "NVIDIA RIVA")) or line.strip() in {
                "Repeatable node with high-speed Ethernet",
                "NVIDIA AI Enterprise, Lenovo Intelligent Computing Orchestration and VMware",
            }:
                current = None
            continue
        if cells[0].lower().startswith("part number"):
            continue
        if cells[0] in SERVER_PARTS:
            rack += 1
        tables[current].append([str(len(tables[current]) + 1), str(rack), *cells])
    return tables


def main() -> None:
    seed = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    out = Path(__file__).resolve().parent.parent / "fixtures" / "seed_boms"
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in parse(seed).items():
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["line", "rack", "part_number", "description", "quantity"])
            writer.writerows(rows)
        print(name, len(rows), "rows")


if __name__ == "__main__":
    main()
