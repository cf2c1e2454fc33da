"""The bill of materials of a sizing result as CSV text or an XLSX workbook (openpyxl).

Pure functions of the engine's result dict. Rows keep the engine's order (grouped by
section). Cells that a spreadsheet would read as a formula are prefixed with an apostrophe
(CSV/formula injection, OWASP); catalog text never starts that way today.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

BOM_COLUMNS = ["section", "part_number", "description", "quantity", "reason"]
BOM_HEADERS = ["Section", "Part number", "Description", "Quantity", "Reason"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def bom_rows(result: Mapping[str, Any]) -> list[list[Any]]:
    """The BoM lines as lists in `BOM_COLUMNS` order."""
    return [[_safe(line.get(col, "")) for col in BOM_COLUMNS] for line in result.get("bom") or []]


def bom_csv(result: Mapping[str, Any]) -> str:
    """The BoM as CSV: a header row, then one row per BoM line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BOM_COLUMNS)
    writer.writerows(bom_rows(result))
    return out.getvalue()


def _summary_rows(result: Mapping[str, Any]) -> list[tuple[str, Any]]:
    model = result.get("model") or {}
    rows: list[tuple[str, Any]] = [
        ("Engine version", result.get("engine_version")),
        ("Workload", result.get("kind")),
        ("Model", model.get("name") if isinstance(model, Mapping) else model),
        ("Precision", result.get("precision")),
        ("GPU", result.get("gpu_name")),
        ("Fabric", result.get("fabric")),
        ("Deployment", result.get("deployment")),
        ("GPUs", result.get("gpu_count")),
        ("Nodes", result.get("node_count")),
        ("Racks", result.get("rack_count")),
        ("Power (kW)", result.get("power_kw")),
        ("Heat (BTU/h)", result.get("heat_btu_per_h")),
    ]
    training = result.get("training") or {}
    inference = result.get("inference") or {}
    if training:
        rows += [("Training days", training.get("days")), ("GPU-hours", training.get("gpu_hours"))]
    if inference:
        rows += [
            ("Tokens/s per user", inference.get("tokens_per_s_per_user")),
            ("Time to first token (s)", inference.get("ttft_s")),
            ("Max concurrent users", inference.get("max_concurrent_users")),
        ]
    return rows


def _header(ws: Any, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F6F8FA")
    ws.freeze_panes = "A2"


def _widths(ws: Any, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def bom_xlsx(result: Mapping[str, Any], prices: Mapping[str, Decimal] | None = None) -> bytes:
    """A workbook with the BoM (sheet "BoM"), the key figures ("Summary") and the assumptions.

    With `prices` (part number → unit price) the BoM sheet gains unit and extended price
    columns, the extended price as a live spreadsheet formula.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "BoM"
    headers = BOM_HEADERS + (["Unit price", "Extended price"] if prices is not None else [])
    _header(ws, headers)
    for n, row in enumerate(bom_rows(result), start=2):
        if prices is not None:
            unit = prices.get(str(row[1]))
            row = [*row, unit, f"=D{n}*F{n}" if unit is not None else None]
        ws.append(row)
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _widths(ws, [12, 18, 60, 10, 70, 14, 16])
    summary = wb.create_sheet("Summary")
    _header(summary, ["Figure", "Value"])
    for label, value in _summary_rows(result):
        summary.append([label, _safe(value)])
    _widths(summary, [28, 40])
    assumptions = wb.create_sheet("Assumptions")
    _header(assumptions, ["Assumption", "Value"])
    for name, value in (result.get("assumptions") or {}).items():
        assumptions.append([name, value])
    _widths(assumptions, [34, 14])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
