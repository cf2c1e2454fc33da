"""Cost of ownership (issue 15): Decimal money outside the engine, through every door.

Each figure is recomputed here from the result's power, racks and BoM at the SAMPLE book's
prices, with the formula written out independently.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import Price
from apps.sizing import gateway, selectors, tco
from apps.sizing.tco import money

pytestmark = pytest.mark.django_db

SMALL = {"kind": "inference", "model": "llama-2-70b", "gpu": "h100-pcie-80gb", "nodes": 4}
TRAIN = {
    "kind": "pretraining",
    "model": "llama-2-7b",
    "gpu": "h100-pcie-80gb",
    "nodes": 8,
    "training": {"tokens": 2e11},
}


def _prices() -> dict[str, Decimal]:
    book = catalog_selectors.price_book_current()
    assert book is not None
    return catalog_selectors.price_map(book.code)


def test_tco_of_the_seed_small_cluster_recomputed(catalog) -> None:
    result = gateway.size(SMALL).result
    assert result is not None
    t = result["tco"]
    prices = _prices()
    capex = sum(
        (prices[line["part_number"]] * line["quantity"] for line in result["bom"]), Decimal(0)
    )
    hardware = sum(
        (
            prices[line["part_number"]] * line["quantity"]
            for line in result["bom"]
            if line["section"] in ("compute", "fabric", "management")
        ),
        Decimal(0),
    )
    power = Decimal(str(result["power_kw"]))
    energy = power * Decimal("0.8") * Decimal("1.58") * 8760 * Decimal("0.127")
    hosting = Decimal(result["rack_count"]) * 12 * 1500
    three = capex + 3 * (energy + hosting)
    five = capex + 5 * (energy + hosting) + hardware * Decimal("0.08") * 2
    cent = Decimal("0.01")
    assert Decimal(t["capex"]) == capex.quantize(cent)
    assert Decimal(t["energy_per_year"]) == energy.quantize(cent)
    assert Decimal(t["tco_3y"]) == three.quantize(cent)
    assert Decimal(t["tco_5y"]) == five.quantize(cent)
    tps = Decimal(str(result["inference"]["output_tokens_per_s"]))
    per_million = three.quantize(cent) / (3 * 8760) / (tps * 3600) * 1_000_000
    assert Decimal(t["per_million_tokens"]) == per_million.quantize(cent)
    assert t["currency"] == "USD" and t["per_training_run"] is None
    # every figure carries its formula and inputs
    assert all(f["formula"] and f["inputs"] for f in t["figures"])


def test_cost_per_training_run_and_inputs_through_the_workload(catalog) -> None:
    base = gateway.size(TRAIN).result
    cheap = gateway.size({**TRAIN, "tco": {"electricity_per_kwh": 0.05, "pue": 1.2}}).result
    assert base is not None and cheap is not None
    assert cheap["tco_inputs"]["pue"] == 1.2
    per_hour = Decimal(base["tco"]["tco_3y"]) / (3 * 8760)
    run = per_hour * Decimal(str(base["training"]["days"])) * 24
    assert Decimal(base["tco"]["per_training_run"]) == run.quantize(Decimal("0.01"))
    assert Decimal(cheap["tco"]["tco_3y"]) < Decimal(base["tco"]["tco_3y"])
    bad = gateway.size({**TRAIN, "tco": {"pue": 0.5}})
    assert bad.result is None and "tco.pue" in bad.field_errors


def test_fabric_designs_priced_side_by_side(catalog) -> None:
    result = gateway.size({**TRAIN, "nodes": 64}).result
    assert result is not None
    prices = _prices()
    fat, rail = result["fabric_designs"]
    for d in (fat, rail):
        expected = sum((prices[pn] * q for pn, q in d["parts"].items()), Decimal(0))
        assert Decimal(d["price"]) == expected and d["unpriced_parts"] == 0
    assert rail["switches"] > fat["switches"] or rail["transceivers"] > fat["transceivers"]


def test_scenario_compare_has_money_rows(catalog) -> None:
    a = gateway.size(SMALL).result
    b = gateway.size({**SMALL, "nodes": 8}).result
    rows = {r["label"]: r for r in selectors.compare_rows(a, b)}
    row = rows["3-year cost of ownership"]
    assert row["verdict"] == "worse" and row["delta"] == Decimal(b["tco"]["tco_3y"]) - Decimal(
        a["tco"]["tco_3y"]
    )
    assert "Per million output tokens" in rows


def test_decimal_from_strings_only() -> None:
    assert tco.dec(0.1) == Decimal("0.1")
    assert tco.as_json({"a": [Decimal("1.50")]}) == {"a": ["1.50"]}


def test_command_prints_storage_and_tco_for_small_medium_large(catalog) -> None:
    out = StringIO()
    call_command("cluster_costs", stdout=out)
    text = out.getvalue()
    for name, gpus in (("Small", 32), ("Medium", 64), ("Large", 128)):
        assert f"== {name} ({gpus // 8} nodes, {gpus} GPUs) — training ==" in text
        assert f"== {name} ({gpus // 8} nodes, {gpus} GPUs) — inference ==" in text
    assert text.count("3-year cost of ownership") == 6
    assert "Young/Daly" in text and "checkpoint write" in text
    assert "= power kW × average_load × PUE" in text
    json_out = StringIO()
    call_command("cluster_costs", "--format", "json", stdout=json_out)
    import json

    data = json.loads(json_out.getvalue())
    assert set(data) == {"Small", "Medium", "Large"}
    assert Decimal(data["Large"]["inference"]["tco"]["tco_3y"]) > Decimal(
        data["Small"]["inference"]["tco"]["tco_3y"]
    )


def test_wizard_shows_the_tco_card_with_formulas(client_p1) -> None:
    from tests.sizing.conftest import SMALL as WIZARD_SMALL

    html = client_p1.get("/sizing/", WIZARD_SMALL).content.decode()
    assert 'id="tco-card"' in html and "3-year cost of ownership" in html
    assert "racks × 12 × hosting_per_rack_month" in html
    assert "Fabric designs side by side" in html and "Rail optimised" in html
    assert "Storage requirement" in html


def test_quote_pdf_html_has_the_tco_partial(catalog, users, media_root) -> None:
    from django.template.loader import render_to_string

    from apps.quotes.document import document_context
    from tests.quotes import factories

    quote = factories.make_quote(users["sales"])
    html = render_to_string("quotes/pdf/document.html", document_context(quote))
    assert 'id="tco"' in html and "this quote&#x27;s prices" in html
    assert "5-year cost of ownership" in html and "Storage requirement" in html


def test_fabric_design_differences_recomputed(catalog) -> None:
    """The alternative design's difference from the chosen one: switches, cables, optics,
    power and list price, recomputed from the two rows (money exact)."""
    result = gateway.size({**TRAIN, "nodes": 64}).result
    assert result is not None
    fat, rail = result["fabric_designs"]
    assert "difference" not in fat
    d = rail["difference"]
    for key in ("switches", "copper_cables", "transceivers", "fibres"):
        assert d[key] == rail[key] - fat[key], key
    assert d["cables"] == (rail["copper_cables"] + rail["fibres"]) - (
        fat["copper_cables"] + fat["fibres"]
    )
    assert d["power_kw"] == pytest.approx(rail["power_kw"] - fat["power_kw"], abs=1e-3)
    assert Decimal(d["price"]) == Decimal(rail["price"]) - Decimal(fat["price"])
    assert d["price_note"] == ""


def test_design_price_difference_is_withheld_when_a_part_is_to_be_confirmed(catalog) -> None:
    """The SN4600 Ethernet switch has no sourced part number: its designs are not fully
    priced, so no price difference is claimed."""
    result = gateway.size({**TRAIN, "nodes": 16, "fabric": "ethernet"}).result
    assert result is not None
    _, rail = result["fabric_designs"]
    assert rail["unpriced_parts"] > 0
    assert rail["difference"]["price"] is None
    assert "to be confirmed" in rail["difference"]["price_note"]
    assert (
        rail["difference"]["switches"] == rail["switches"] - result["fabric_designs"][0]["switches"]
    )


def test_wizard_and_scenario_compare_show_the_design_differences(client_p1) -> None:
    from tests.sizing.conftest import SMALL as WIZARD_SMALL

    html = client_p1.get("/sizing/", WIZARD_SMALL).content.decode()
    panel = html[html.index('id="fabric-designs"') :]
    panel = panel[: panel.index("</section>")]
    assert "Fat tree (chosen)" in panel and "Rail optimised" in panel
    assert 'id="design-rail_optimised-difference"' in panel and "Difference" in panel


def test_scenario_compare_has_fabric_and_cable_rows(catalog) -> None:
    a = gateway.size({**TRAIN, "nodes": 16}).result
    b = gateway.size({**TRAIN, "nodes": 64}).result
    rows = {r["label"]: r for r in selectors.compare_rows(a, b)}
    sw = rows["Compute-fabric switches"]
    assert sw["delta"] == b["fabric_designs"][0]["switches"] - a["fabric_designs"][0]["switches"]
    price = rows["Compute-fabric list price"]
    assert price["delta"] == Decimal(b["fabric_designs"][0]["price"]) - Decimal(
        a["fabric_designs"][0]["price"]
    )
    assert rows["List price of the BoM"]["verdict"] == "worse"
    assert rows["Transceivers"]["b"] == b["cabling"]["transceivers"]


def test_every_cost_figure_is_in_the_why_panel_with_formula_and_inputs(client_p1) -> None:
    result = gateway.size(SMALL).result
    assert result is not None
    why = {e["figure"]: e for e in result["explanations"]}
    for f in result["tco"]["figures"]:
        e = why[f"tco.{f['figure']}"]
        assert e["value"] == f["value"] and e["formula"] == f["formula"] and e["inputs"]
        assert "tco.py" in e["source"]
    assert "storage.write_gbps" in why or "storage.read_gbps" in why
    from tests.sizing.conftest import SMALL as WIZARD_SMALL

    html = client_p1.get("/sizing/", WIZARD_SMALL).content.decode()
    panel = html[html.index('id="why-panel"') :]
    panel = panel[: panel.index("</details>")]
    assert "3-year cost of ownership" in panel
    assert "hardware + 3 × (electricity + hosting)" in panel


def test_alternatives_say_which_prices_leave_parts_out(catalog) -> None:
    """An alternative whose BoM has parts to be confirmed (H100 NVL, L40S) shows its partial
    list price with the count left out, and no price difference that would be wrong."""
    book = catalog_selectors.price_book_current()
    workload = {"kind": "inference", "model": "llama-2-70b", "gpu": "auto"}
    workload["inference"] = {"concurrent_users": 100}
    result = gateway.size(workload, book=book).result
    assert result is not None
    rows = selectors.alternatives_table(result, {})["rows"]
    partial = [r for r in rows if r.get("feasible") and r["unpriced"]]
    assert partial, "an alternative with a GPU to be confirmed"
    for row in partial:
        assert row["price_delta"] is None
    full = [r for r in rows if r.get("feasible") and not r["unpriced"] and not r["chosen"]]
    if rows[0]["chosen"] and not rows[0]["unpriced"]:
        for row in full:
            assert row["price_delta"] == row["price"] - rows[0]["price"]


def _sized(prompt: int) -> dict:
    workload = {**SMALL, "inference": {"concurrent_users": 50, "prompt_tokens": prompt}}
    result = gateway.size(workload).result
    assert result is not None
    return result


def test_kept_bom_prices_answer_as_computed_and_follow_a_price_change(catalog) -> None:
    """gateway._priced keeps the BoM at list price and the priced designs per cluster side
    and book (issue 16): a second load on the same cluster gets what pricing it afresh gives,
    and a price change (a new catalog revision) is priced anew."""
    first, second = _sized(1000), _sized(1500)
    assert first["bom"] == second["bom"] and first["tco"]["inputs"] == second["tco"]["inputs"]
    for result in (first, second):
        (capex, hardware, unpriced), designs = tco.priced(result, _prices())
        assert result["tco"]["capex"] == str(money(capex)) and designs == result["fabric_designs"]
        assert result["tco"]["unpriced_lines"] == unpriced
    assert first["tco"]["per_million_tokens"] != second["tco"]["per_million_tokens"]
    book = catalog_selectors.price_book_current()
    line = first["bom"][0]
    price = Price.objects.get(book=book, part__part_number=line["part_number"])
    price.unit_price += Decimal("1000.00")
    price.save()  # bumps the catalog revision
    third = _sized(2000)
    extra = Decimal("1000.00") * line["quantity"]
    assert Decimal(third["tco"]["capex"]) == Decimal(first["tco"]["capex"]) + extra


def test_the_kept_load_free_tco_answers_as_tco_computed_afresh(catalog) -> None:
    """tco.annotate keeps the TCO's load-free part as JSON by the values it is computed from
    (issue 16): every answer's ``tco`` and TCO explanations are exactly ``as_json(tco(...))``
    and its explanations, for loads of one cluster and for other inputs, clusters and prices."""
    prices = _prices()
    book = catalog_selectors.price_book_current()
    assert book is not None
    cases = [
        {**SMALL, "inference": {"concurrent_users": 100, "prompt_tokens": p}}
        for p in (1000, 1001, 4000)
    ]
    cases += [
        {**SMALL, "tco": {"pue": 1.2, "electricity_per_kwh": 0.3}},
        {**SMALL, "tco": {"support_years": 5}},
        {**SMALL, "nodes": 2},
        TRAIN,
        {**TRAIN, "training": {"tokens": 4e11}},
    ]
    seen = []
    for workload in cases + cases:  # the second pass is answered from the kept parts
        result = gateway.size(workload).result
        assert result is not None
        capex, hardware, unpriced = tco.list_prices(result, prices)
        fresh = tco.as_json(tco.tco(result, capex, hardware, book.currency, unpriced=unpriced))
        assert result["tco"] == fresh
        n = len(fresh["figures"])
        assert result["explanations"][-n:] == tco.explanations(fresh)
        seen.append(result["tco"])
    assert len({str(t) for t in seen}) == len(cases)  # the cases do change the TCO
    assert seen[: len(cases)] == seen[len(cases) :]  # later answers changed no earlier one
