"""Cost of ownership: money outside the engine, in Decimal built from strings. (Over 400 lines:
the load-free part kept as JSON for the API, ``_tco_json``, reads best beside the formulas.)

From an engine result (power, racks, GPU count, sized load or training days, and the echoed
``tco_inputs``) and a hardware price (the BoM at list price, or a quote's total):

    energy per year   = power kW × average_load × PUE × 8,760 h × electricity_per_kwh
    hosting per year  = racks × 12 × hosting_per_rack_month
    support renewal   = max(0, years − support_years) × support_renewal_pct % × hardware
    TCO (N years)     = hardware + N × (energy + hosting) + support renewal
    cost per hour     = TCO / (N × 8,760 h)
    per million tokens = cost per hour / (output tokens/s × 3,600) × 1,000,000   (inference)
    per training run  = cost per hour × training days × 24                      (training)

Every figure carries its formula and inputs, for the why panel, the API, the PDF and the
scenario comparison.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

HOURS_PER_YEAR = Decimal("8760")
CENT = Decimal("0.01")
YEARS = (3, 5)
DEFAULTS: dict[str, str] = {
    "electricity_per_kwh": "0.127",
    "pue": "1.58",
    "hosting_per_rack_month": "1500",
    "support_years": "3",
    "support_renewal_pct": "8",
    "average_load": "0.8",
}
HARDWARE_SECTIONS = ("compute", "fabric", "management")


def dec(value: Any) -> Decimal:
    """A Decimal from a number or string, via its string form (never from a float's binary)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Decimal) -> Decimal:
    """Rounded to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def list_prices(
    result: Mapping[str, Any], prices: Mapping[str, Decimal] | None
) -> tuple[Decimal | None, Decimal | None, int]:
    """(BoM total, hardware part of it, unpriced lines) at list price; None without a book.
    The lines are the engine's (`BomLine.to_dict`: part number, integer quantity, section)."""
    if prices is None:
        return None, None, 0
    total = hardware = Decimal("0")
    unpriced = 0
    price_of = prices.get
    for line in result.get("bom") or []:
        unit = price_of(line["part_number"])
        if unit is None:
            unpriced += 1
            continue
        extended = dec(unit) * line["quantity"]
        total += extended
        if line["section"] in HARDWARE_SECTIONS:
            hardware += extended
    return total, hardware, unpriced


def _figure(
    name: str, label: str, value: Decimal | None, unit: str, formula: str, **inputs: Any
) -> dict[str, Any]:
    return {
        "figure": name,
        "label": label,
        "value": money(value) if value is not None else None,
        "unit": unit,
        "formula": formula,
        "inputs": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in inputs.items()},
    }


def tco(
    result: Mapping[str, Any],
    capex: Decimal | None,
    hardware: Decimal | None,
    currency: str,
    *,
    unpriced: int = 0,
    price_source: str = "list prices",
) -> dict[str, Any]:
    """Energy, hosting, support, 3- and 5-year TCO, cost per million tokens or per run."""
    fixed = _fixed(
        power_kw=dec(result.get("power_kw") or 0),
        racks=int(result.get("rack_count") or 0),
        given=tuple(_given(result)),
        capex=capex,
        hardware=hardware,
        currency=currency,
        unpriced=unpriced,
        price_source=price_source,
    )
    return _assembled(fixed, result, currency, lambda value: value)


_DEFAULT = object()  # a TCO input not given


def _given(result: Mapping[str, Any]) -> list[Any]:
    """The workload's TCO inputs, in ``DEFAULTS`` order (``_DEFAULT``: not given)."""
    given = result.get("tco_inputs") or {}
    return [given.get(key, _DEFAULT) for key in DEFAULTS]


class _Fixed(NamedTuple):
    """``tco`` without its per-use figures: a function of the cluster's power and racks, the
    TCO inputs, the prices and the currency, not of the load (``_fixed``)."""

    head: dict[str, Any]  # currency, price source, unpriced lines, 3- and 5-year TCO
    figures: list[dict[str, Any]]  # energy, hosting, capex, 3- and 5-year TCO
    tail: dict[str, Any]  # energy and hosting per year, capex, inputs
    tco_3y: Decimal | None
    explained: list[dict[str, Any]]  # ``explanations`` of ``figures`` (JSON part only)


def _fixed(
    *,
    power_kw: Decimal,
    racks: int,
    given: tuple[Any, ...],
    capex: Decimal | None,
    hardware: Decimal | None,
    currency: str,
    unpriced: int,
    price_source: str,
) -> _Fixed:
    i = {
        key: dec(default if value is _DEFAULT else value)
        for (key, default), value in zip(DEFAULTS.items(), given, strict=True)
    }
    energy = power_kw * i["average_load"] * i["pue"] * HOURS_PER_YEAR * i["electricity_per_kwh"]
    hosting = racks * 12 * i["hosting_per_rack_month"]
    figures = [
        _figure(
            "energy_per_year",
            "Electricity per year",
            energy,
            currency,
            "power kW × average_load × PUE × 8,760 h × electricity_per_kwh",
            power_kw=power_kw,
            average_load=i["average_load"],
            pue=i["pue"],
            electricity_per_kwh=i["electricity_per_kwh"],
        ),
        _figure(
            "hosting_per_year",
            "Hosting per year",
            hosting,
            currency,
            "racks × 12 × hosting_per_rack_month",
            racks=racks,
            hosting_per_rack_month=i["hosting_per_rack_month"],
        ),
        _figure(
            "capex",
            "Hardware, software and services",
            capex,
            currency,
            f"BoM total at {price_source}",
            unpriced_lines=unpriced,
        ),
    ]
    out: dict[str, Any] = {
        "currency": currency,
        "price_source": price_source,
        "unpriced_lines": unpriced,
    }
    for years in YEARS:
        extra = max(0, years - int(i["support_years"]))
        support = (hardware or Decimal("0")) * i["support_renewal_pct"] / 100 * extra
        total = capex + years * (energy + hosting) + support if capex is not None else None
        out[f"tco_{years}y"] = money(total) if total is not None else None
        figures.append(
            _figure(
                f"tco_{years}y",
                f"{years}-year cost of ownership",
                total,
                currency,
                f"hardware + {years} × (electricity + hosting) + "
                f"{extra} × support_renewal_pct × hardware",
                capex=money(capex) if capex is not None else None,
                years=years,
                support_years=int(i["support_years"]),
                support_renewal_pct=i["support_renewal_pct"],
                hardware=money(hardware) if hardware is not None else None,
            )
        )
    tail = {
        "energy_per_year": money(energy),
        "hosting_per_year": money(hosting),
        "capex": money(capex) if capex is not None else None,
        "inputs": {k: str(v) for k, v in i.items()},
    }
    return _Fixed(out, figures, tail, out.get("tco_3y"), [])


def _assembled(
    fixed: _Fixed, result: Mapping[str, Any], currency: str, convert: Callable[[Any], Any]
) -> dict[str, Any]:
    """``tco``'s answer from its fixed part and the result's per-use figures (``convert``
    applied to what the per-use figures add: ``as_json`` when the fixed part is JSON)."""
    out = dict(fixed.head)
    figures = list(fixed.figures)
    use: dict[str, Any] = {}
    added: list[dict[str, Any]] = []
    _per_use(use, added, fixed.tco_3y, result, currency)
    out.update(convert(use))
    figures.extend(convert(added))
    out.update(fixed.tail)
    out["figures"] = figures
    return out


FIXED_KEPT = 64  # load-free TCO parts kept as JSON (``_tco_json``), least recently used out first
_fixed_kept: OrderedDict[tuple[Any, ...], _Fixed] = OrderedDict()
_fixed_lock = threading.Lock()


def _tco_json(
    result: Mapping[str, Any],
    capex: Decimal | None,
    hardware: Decimal | None,
    currency: str,
    unpriced: int,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``as_json(tco(...))`` at list prices and the explanations of its load-free figures,
    that part kept as JSON by the values it is computed from (issue 16: sizings of one
    cluster for different loads — the API's distinct workloads — share all of it but the
    per-use figure). Read-only once kept."""
    key = (
        dec(result.get("power_kw") or 0),
        int(result.get("rack_count") or 0),
        tuple(_given(result)),
        capex,
        hardware,
        currency,
        unpriced,
    )
    fixed = _fixed_kept.get(key)
    if fixed is not None:
        with _fixed_lock:
            if key in _fixed_kept:
                _fixed_kept.move_to_end(key)  # least recently used out first
    else:
        power_kw, racks, given = key[0], key[1], key[2]
        raw = _fixed(
            power_kw=power_kw,
            racks=racks,
            given=given,
            capex=capex,
            hardware=hardware,
            currency=currency,
            unpriced=unpriced,
            price_source="list prices",
        )
        figures = as_json(raw.figures)
        fixed = _Fixed(
            as_json(raw.head),
            figures,
            as_json(raw.tail),
            raw.tco_3y,
            explanations({"figures": figures}),
        )
        with _fixed_lock:
            _fixed_kept[key] = fixed
            while len(_fixed_kept) > FIXED_KEPT:
                _fixed_kept.popitem(last=False)
    return _assembled(fixed, result, currency, as_json), fixed.explained


def _per_use(
    out: dict[str, Any],
    figures: list[dict[str, Any]],
    total: Decimal | None,
    result: Mapping[str, Any],
    currency: str,
) -> None:
    hours = 3 * HOURS_PER_YEAR
    per_hour = total / hours if total is not None else None
    inference = result.get("inference") or {}
    training = result.get("training") or {}
    out["per_million_tokens"] = out["per_training_run"] = None
    tokens_s = inference.get("output_tokens_per_s")
    if tokens_s:
        tps = dec(tokens_s)
        value = per_hour / (tps * 3600) * 1_000_000 if per_hour is not None else None
        out["per_million_tokens"] = money(value) if value is not None else None
        figures.append(
            _figure(
                "per_million_tokens",
                "Per million output tokens (3-year TCO, at the sized load)",
                value,
                currency,
                "3-year TCO / (3 × 8,760 h) / (output tokens/s × 3,600) × 1,000,000",
                output_tokens_per_s=tps,
            )
        )
    days = training.get("days")
    if days:
        value = per_hour * dec(days) * 24 if per_hour is not None else None
        out["per_training_run"] = money(value) if value is not None else None
        figures.append(
            _figure(
                "per_training_run",
                "Per training run (3-year TCO per hour × run hours)",
                value,
                currency,
                "3-year TCO / (3 × 8,760 h) × training days × 24",
                training_days=dec(days),
            )
        )


def tco_at_list(
    result: Mapping[str, Any], prices: Mapping[str, Decimal] | None, currency: str
) -> dict[str, Any]:
    """TCO with the BoM at the price book's list prices."""
    capex, hardware, unpriced = list_prices(result, prices)
    return tco(result, capex, hardware, currency, unpriced=unpriced)


def design_prices(
    result: Mapping[str, Any], prices: Mapping[str, Decimal] | None
) -> list[dict[str, Any]]:
    """The fabric designs side by side with their list price (switches, cables, optics)."""
    rows = []
    for design in result.get("fabric_designs") or []:
        parts: Mapping[str, int] = design.get("parts") or {}
        price: Decimal | None = None
        missing = 0
        if prices is not None:
            price = Decimal("0")
            for pn, qty in parts.items():
                unit = prices.get(pn)
                if unit is None:
                    missing += 1
                else:
                    price += dec(unit) * int(qty)
        rows.append(
            {
                **design,
                "price": money(price) if price is not None else None,
                "unpriced_parts": missing,
            }
        )
    for row in rows[1:]:
        row["difference"] = design_difference(rows[0], row)
    return rows


DIFFERENCE_KEYS = ("switches", "copper_cables", "transceivers", "fibres", "power_kw")


def design_difference(chosen: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """``other`` minus ``chosen``: switches, cables, optics, power and list price. The price
    difference is given only when both designs are fully priced (a part to be confirmed has
    no price, so a difference would be wrong by its unknown cost)."""
    out: dict[str, Any] = {}
    for key in DIFFERENCE_KEYS:
        a, b = chosen.get(key), other.get(key)
        if a is not None and b is not None:
            out[key] = round(b - a, 3) if isinstance(a, float) or isinstance(b, float) else b - a
    out["cables"] = sum(int(other.get(k) or 0) for k in ("copper_cables", "fibres")) - sum(
        int(chosen.get(k) or 0) for k in ("copper_cables", "fibres")
    )
    pa, pb = chosen.get("price"), other.get("price")
    complete = not chosen.get("unpriced_parts") and not other.get("unpriced_parts")
    out["price"] = (
        money(dec(pb) - dec(pa)) if pa is not None and pb is not None and complete else None
    )
    out["price_note"] = (
        ""
        if out["price"] is not None or pa is None or pb is None
        else "not compared: a design has parts to be confirmed (not priced)"
    )
    return out


_SCALARS = frozenset({str, int, float, bool, type(None)})


def as_json(value: Any) -> Any:
    """Decimals as strings (exact), recursively: results are stored as JSON. Plain dicts and
    lists copy their scalars without a call per item (a one-node answer's TCO and fabric
    designs are ~150 values: the walk was a third of `annotate`)."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _SCALARS else as_json(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _SCALARS else as_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


Priced = tuple[tuple[Decimal | None, Decimal | None, int], list[dict[str, Any]]]


def priced(result: Mapping[str, Any], prices: Mapping[str, Decimal] | None) -> Priced:
    """What ``annotate`` reads of the price book: the BoM at list price (``list_prices``) and
    the fabric designs priced (``design_prices``, money as exact strings). A function of the
    BoM, the designs and the prices alone (gateway keeps it per cluster side and book)."""
    return list_prices(result, prices), as_json(design_prices(result, prices))


def annotate(
    result: dict[str, Any],
    prices: Mapping[str, Decimal] | None,
    currency: str,
    kept: Priced | None = None,
) -> dict[str, Any]:
    """The result with ``tco`` and priced ``fabric_designs`` (money as exact strings);
    ``kept``: ``priced(result, prices)`` computed before (its designs are shared, read-only)."""
    (capex, hardware, unpriced), designs = kept if kept is not None else priced(result, prices)
    result["tco"], explained = _tco_json(result, capex, hardware, currency, unpriced)
    result["fabric_designs"] = designs
    result["explanations"] = [
        *(result.get("explanations") or []),
        *explained,  # the load-free figures' (kept), then the per-use figures'
        *explanations({"figures": result["tco"]["figures"][len(explained) :]}),
    ]
    return result


TCO_SOURCE = (
    "cost of ownership service, money in Decimal (apps/sizing/tco.py); inputs are the "
    "workload's tco inputs, each default with its "
    "source in the workload specification (US EIA electricity price, Uptime Institute PUE, "
    "seed support terms, hosting and renewal estimates)"
)


def explanations(t: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The cost figures as entries of the why panel: value, rule, formula, inputs, source."""
    return [
        {
            "figure": f"tco.{f['figure']}",
            "value": f["value"],
            "unit": f["unit"],
            "rule": f"{f['label']}"
            + (" — not priced without a price book" if f["value"] is None else ""),
            "formula": f["formula"],
            "inputs": f["inputs"],
            "source": TCO_SOURCE,
        }
        for f in t.get("figures") or []
    ]


def quote_tco(
    result: Mapping[str, Any], total: Decimal, lines: Any, currency: str
) -> dict[str, Any]:
    """TCO with the hardware at a quote's own (discounted) prices."""
    hardware = sum(
        (
            dec(line.line_total)
            for line in lines
            if line.section in HARDWARE_SECTIONS and line.line_total is not None
        ),
        Decimal("0"),
    )
    unpriced = sum(1 for line in lines if line.line_total is None)
    return tco(
        result,
        dec(total),
        hardware,
        currency,
        unpriced=unpriced,
        price_source="this quote's prices",
    )
