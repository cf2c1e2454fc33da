"""Reads of the sizing app: scenarios a user may see, and sizings computed for display.

Tenant rules are not written here: every scenario query goes through
`apps.accounts.selectors.scope_to_user`, so another organization's scenario is simply not
found (404), never forbidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.accounts.selectors import scope_to_user, user_sees_all_organizations
from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import PriceBook

from . import formatting as fmt
from .models import ModelConfig, Scenario

# --- scenarios ---------------------------------------------------------------------------


def scenario_list(user: User, *, mine: bool = False, search: str = "") -> QuerySet[Scenario]:
    """Scenarios the user may see (their organization's, or all for seller admins), newest
    first; `mine` keeps only the user's own."""
    scenarios = scope_to_user(Scenario.objects.select_related("owner", "organization"), user)
    if mine:
        scenarios = scenarios.filter(owner=user)
    if search:
        scenarios = scenarios.filter(name__icontains=search)
    return scenarios


def scenario_rows(user: User, *, mine: bool = False, search: str = "") -> QuerySet[Scenario]:
    """`scenario_list` for a list: the figure columns, not the JSON inputs and result."""
    return scenario_list(user, mine=mine, search=search).defer("inputs", "result")


def scenario_get_for_user(user: User, pk: int) -> Scenario:
    """One scenario the user may see; Http404 otherwise (also across tenants)."""
    try:
        return scenario_list(user).get(pk=pk)
    except Scenario.DoesNotExist:
        raise Http404("No such scenario.") from None


def scenario_can_change(user: User, scenario: Scenario) -> bool:
    """Rename and delete: the owner, an admin of the scenario's organization, or a user who
    sees every organization (seller admins, superusers). Everybody who sees a scenario may
    open, duplicate, compare and export it."""
    if scenario.owner_id == user.pk or user_sees_all_organizations(user):
        return True
    return user.role == Role.ADMIN and user.organization_id == scenario.organization_id


# --- sizings for display -----------------------------------------------------------------


def price_book() -> PriceBook | None:
    """The price book shown beside results (the current one, usually the SAMPLE book)."""
    return catalog_selectors.price_book_current()


def bom_sections(
    result: Mapping[str, Any], prices: Mapping[str, Decimal] | None
) -> list[dict[str, Any]]:
    """BoM lines grouped by section (in the engine's order), with unit and extended prices
    where the price book has them."""
    sections: dict[str, dict[str, Any]] = {}
    for line in result.get("bom") or []:
        name = str(line.get("section") or "other")
        section = sections.setdefault(
            name, {"name": name, "lines": [], "total": Decimal("0"), "unpriced": 0}
        )
        unit = (prices or {}).get(str(line.get("part_number")))
        quantity = int(line.get("quantity") or 0)
        extended = unit * quantity if unit is not None else None
        section["lines"].append({**line, "unit_price": unit, "extended_price": extended})
        if extended is None:
            section["unpriced"] += 1
        else:
            section["total"] += extended
    return list(sections.values())


def bom_total(sections: list[dict[str, Any]]) -> Decimal:
    return sum((s["total"] for s in sections), Decimal("0"))


def prices_of(book: PriceBook | None) -> dict[str, Decimal] | None:
    return catalog_selectors.price_map(book.code) if book else None


def export_pricing(book: PriceBook | None = None) -> Any:
    """The price book the exports are priced from (the current one unless given), as an
    `exports.Pricing`; None when there is no price book."""
    from .exports import Pricing

    book = book or price_book()
    return Pricing.of(book, prices_of(book))


# --- comparisons -------------------------------------------------------------------------

# (label, getter path, unit, direction): direction +1 = more is better, -1 = less is better.
COMPARE_ROWS: list[tuple[str, str, str, int]] = [
    ("GPU", "gpu_name", "", 0),
    ("Fabric", "fabric", "", 0),
    ("Precision", "precision", "", 0),
    ("GPUs", "gpu_count", "", -1),
    ("Nodes", "node_count", "", -1),
    ("Racks", "rack_count", "", -1),
    ("Power", "power_kw", "kW", -1),
    ("Training days", "training.days", "days", -1),
    ("GPU-hours", "training.gpu_hours", "h", -1),
    ("Tokens/s per user", "inference.tokens_per_s_per_user", "tokens/s", 1),
    ("Time to first token", "inference.ttft_s", "s", -1),
    ("Max concurrent users", "inference.max_concurrent_users", "users", 1),
    ("3-year cost of ownership", "tco.tco_3y", "list-price currency", -1),
    ("5-year cost of ownership", "tco.tco_5y", "list-price currency", -1),
    ("Per million output tokens", "tco.per_million_tokens", "list-price currency", -1),
    ("Per training run", "tco.per_training_run", "list-price currency", -1),
    ("List price of the BoM", "tco.capex", "list-price currency", -1),
    ("Fabric design", "fabric_designs.0.design", "", 0),
    ("Compute-fabric switches", "fabric_designs.0.switches", "", -1),
    ("Compute-fabric list price", "fabric_designs.0.price", "list-price currency", -1),
    ("Copper cables", "cabling.copper_cables", "", -1),
    ("Transceivers", "cabling.transceivers", "", -1),
    ("Fibres", "cabling.fibres", "", -1),
    ("Storage capacity", "storage.capacity_tb", "TB", -1),
    ("Checkpoint write", "storage.write_gbps", "GB/s", -1),
]


MONEY_PATHS = {path for _, path, unit, _ in COMPARE_ROWS if unit == "list-price currency"}


def dig(data: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted path; a number in the path indexes a list."""
    value: Any = data
    for key in path.split("."):
        if isinstance(value, list) and key.isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(key)
        else:
            return None
    return value


def compare_rows(base: Mapping[str, Any], other: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Figures of two results side by side, with the change and whether it is better."""
    rows = []
    for label, path, unit, direction in COMPARE_ROWS:
        a, b = dig(base, path), dig(other, path)
        if a is None and b is None:
            continue
        if path in MONEY_PATHS:  # money is kept as exact decimal strings (apps/sizing/tco.py)
            a, b = (Decimal(str(v)) if v is not None else None for v in (a, b))
        rows.append({"label": label, "unit": unit, "a": a, "b": b, **_change(a, b, direction)})
    return rows


def side_by_side(compared: list[list[dict[str, Any]]], currency: str) -> list[dict[str, Any]]:
    """Rows of several comparisons against one base (`compare_rows` each), merged by figure:
    each row has the base value `a` and one cell per comparison (None where that comparison
    has no such figure, or no result). Money rows carry the currency as their unit."""
    order = [label for label, *_ in COMPARE_ROWS]
    merged: dict[str, dict[str, Any]] = {}
    for n, rows in enumerate(compared):
        for row in rows:
            entry = merged.setdefault(
                row["label"],
                {**row, "cells": [None] * len(compared), "money": False},
            )
            entry["cells"][n] = {k: row[k] for k in ("b", "differs", "delta", "verdict")}
    out = sorted(merged.values(), key=lambda r: order.index(r["label"]))
    for row in out:
        if row["unit"] == "list-price currency":
            row["unit"], row["money"] = currency, True
        row["differs"] = any(c and c["differs"] for c in row["cells"])
        # enumerations (fabric, precision, design) in words, as everywhere else
        row["a"] = fmt.word(row["a"]) if isinstance(row["a"], str) else row["a"]
        for cell in row["cells"]:
            if cell and isinstance(cell["b"], str):
                cell["b"] = fmt.word(cell["b"])
    return out


def _change(a: Any, b: Any, direction: int) -> dict[str, Any]:
    if a == b:
        return {"differs": False, "delta": None, "verdict": ""}
    numeric = isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal)
    if not numeric or not direction:
        return {"differs": True, "delta": None, "verdict": "changed"}
    delta = b - a
    better = (delta > 0) == (direction > 0)
    return {"differs": True, "delta": round(delta, 3), "verdict": "better" if better else "worse"}


ALTERNATIVE_COLUMNS: list[tuple[str, str, int]] = [
    ("gpu_count", "GPUs", -1),
    ("node_count", "Nodes", -1),
    ("rack_count", "Racks", -1),
    ("power_kw", "Power (kW)", -1),
    ("tokens_per_s_per_user", "Tokens/s per user", 1),
    ("ttft_s", "First token (s)", -1),
    ("days", "Days", -1),
    ("gpu_hours", "GPU-hours", -1),
]


def alternatives_table(result: Mapping[str, Any], gpu_names: Mapping[str, str]) -> dict[str, Any]:
    """The engine's alternatives as rows; each cell says if it differs from the chosen option
    (rank 1) and whether for the better; the best value of each column is marked."""
    options = [a for a in result.get("alternatives") or [] if isinstance(a, Mapping)]
    feasible = [a for a in options if a.get("feasible")]
    columns = [
        (key, label, d)
        for key, label, d in ALTERNATIVE_COLUMNS
        if any(a.get(key) is not None for a in feasible)
    ]
    chosen = feasible[0] if feasible else {}
    best = {
        key: (min if d < 0 else max)(a[key] for a in feasible if a.get(key) is not None)
        for key, _, d in columns
    }
    rows = []
    for alt in options:
        cells = []
        for key, _, direction in columns:
            value = alt.get(key)
            change = (
                _change(chosen.get(key), value, direction)
                if alt is not chosen
                else {"differs": False, "delta": None, "verdict": ""}
            )
            cells.append(
                {"value": value, "best": value is not None and value == best.get(key), **change}
            )
        price = alt.get("list_price")
        rows.append(
            {
                **alt,
                "gpu_name": gpu_names.get(str(alt.get("gpu")), alt.get("gpu")),
                "cells": cells,
                "price": Decimal(price) if price else None,
                "unpriced": len(alt.get("unpriced_parts") or []),
                "chosen": alt is chosen,
            }
        )
    chosen = rows[0] if rows and rows[0]["chosen"] else {}
    for row in rows:  # a price that leaves parts out (to be confirmed) is compared with none
        comparable = not row["unpriced"] and not chosen.get("unpriced")
        row["price_delta"] = (
            row["price"] - chosen["price"]
            if comparable
            and row["price"] is not None
            and chosen.get("price") is not None
            and not row["chosen"]
            else None
        )
    return {
        "columns": [label for _, label, _ in columns],
        "rows": rows,
        "criterion": (result.get("selection") or {}).get("rule"),
    }


# --- imported model configs ---------------------------------------------------------------


def model_config_list(user: User) -> QuerySet[ModelConfig]:
    """Imported configs the user may see (their organization's), newest first."""
    return scope_to_user(ModelConfig.objects.select_related("owner"), user)


def model_config_get_for_user(user: User, pk: int) -> ModelConfig:
    """One imported config the user may see; Http404 otherwise (also across tenants)."""
    try:
        return model_config_list(user).get(pk=pk)
    except ModelConfig.DoesNotExist:
        raise Http404("No such model config.") from None


def model_config_can_change(user: User, model_config: ModelConfig) -> bool:
    """Delete: the owner, an admin of its organization, or a user who sees every one."""
    if model_config.owner_id == user.pk or user_sees_all_organizations(user):
        return True
    return user.role == Role.ADMIN and user.organization_id == model_config.organization_id
