"""What-if, scenario compare and assumption sources, clicked in Chromium: two what-if changes
are sized one at a time (two columns) and one of them becomes the sizing; the compare page
prices both scenarios; a saved scenario shows where each assumption comes from."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.sizing import formatting as fmt
from apps.sizing.engine import spec

from .conftest import Shots, log_in, log_in_by_cookie

pytestmark = pytest.mark.browser


def _settle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function("document.querySelectorAll('.htmx-request').length === 0")


def test_whatif_changes_one_thing_at_a_time_and_one_becomes_the_sizing(tab, live_server, portal):
    page, base = tab, live_server.url
    shot = Shots(page, "whatif")
    log_in_by_cookie(page, base, portal["user"].username)
    page.goto(f"{base}/sizing/?kind=inference&model=llama-3.1-8b&users=50&gpu=l40s-48gb")
    page.wait_for_selector("#result .status")
    now = page.inner_text("#result .status").split(" · sized")[0]
    page.fill("#id_wi_nodes", "3")
    page.wait_for_selector("#whatif-table")
    _settle(page)
    page.select_option("#id_wi_precision", "fp8")
    page.wait_for_function("document.querySelectorAll('#whatif-table thead th').length === 4")
    _settle(page)
    heads = page.eval_on_selector_all("#whatif-table thead th", "els => els.map(e => e.innerText)")
    assert heads[1] == "Now" and heads[2].startswith("Fixed node count: 3") and "FP8" in heads[3]
    nodes_row = page.eval_on_selector_all(
        "#whatif-table tbody tr",
        "rows => rows.map(r => [...r.children].map(c => c.innerText.split('\\n')[0]))"
        ".find(r => r[0].startsWith('Nodes'))",
    )
    assert nodes_row[2] == "3" and nodes_row[3] == nodes_row[1]  # FP8 alone keeps the nodes
    assert page.inner_text("#result .status").startswith(now)  # the sizing is unchanged
    page.evaluate("document.getElementById('whatif').scrollIntoView()")
    shot("two-changes")

    page.click("#whatif-table a.apply-whatif >> nth=0")
    page.wait_for_url("**/sizing/?*nodes=3*")
    page.wait_for_selector("#result .status")
    assert "in 3 nodes (fixed node count)" in page.inner_text("#result .status")
    assert page.input_value("#id_wi_nodes") == "" and page.input_value("#id_wi_precision") == ""
    assert page.locator("#whatif-table").count() == 0
    shot("applied")
    assert not page.console_errors, page.console_errors


def test_compare_prices_both_scenarios_and_names_inputs_in_words(tab, live_server, portal):
    page, base = tab, live_server.url
    shot = Shots(page, "compare")
    chat, large = portal["chat"], portal["large"]
    log_in(page, base, portal["user"].username)
    page.click("nav >> text=Scenarios")
    page.wait_for_selector("table.scenarios")
    page.check(f"#cmp-{chat.pk}")
    page.check(f"#cmp-{large.pk}")
    page.click("text=Compare the two ticked")
    page.wait_for_selector("#compare-table")
    rows = page.eval_on_selector_all(
        "#compare-table tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText))"
    )
    by_label = {r[0]: r for r in rows}
    currency = chat.result["tco"]["currency"]
    price = by_label[f"List price of the BoM ({currency})"]
    a, b = (Decimal(s.result["tco"]["capex"]) for s in (chat, large))
    first, second = (chat, large) if price[1] == f"{a:,.2f}" else (large, chat)
    assert price[1:3] == [
        f"{Decimal(first.result['tco']['capex']):,.2f}",
        f"{Decimal(second.result['tco']['capex']):,.2f}",
    ]
    assert (
        price[3]
        == f"{Decimal(second.result['tco']['capex']) - Decimal(first.result['tco']['capex']):+,.2f}"
    )
    assert a != b
    inputs = page.inner_text("#compare-inputs")
    assert "Concurrent users" in inputs and "500 users" in inputs and "Bare metal" in inputs
    assert "›" not in inputs and "_" not in inputs
    shot("priced", full_page=True)
    assert not page.console_errors, page.console_errors


def test_a_saved_scenario_shows_the_source_of_each_assumption(tab, live_server, portal):
    page, base = tab, live_server.url
    large = portal["large"]
    log_in_by_cookie(page, base, portal["user"].username)
    page.goto(f"{base}/sizing/scenarios/{large.pk}/")
    page.click("#why-panel > summary") if page.get_attribute("#why-panel", "open") is None else None
    rows = page.eval_on_selector_all(
        "table.assumptions tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText))"
    )
    shown = sorted((r[0], r[2]) for r in rows)
    expected = fmt.assumption_rows(large.result)
    assert shown == sorted((r["label"], r["source"]) for r in expected)
    sources = {i.key: i.source for i in spec.ASSUMPTIONS}
    for row in expected:  # each source is the specification's own, in words
        assert row["source"] == fmt.assumption_source(row["name"])
        assert sources[row["name"]].split(" (docs/")[0] in row["source"]
    assert not page.console_errors, page.console_errors


def test_the_wizards_assumptions_show_source_unit_and_default_in_words(tab, live_server, portal):
    page, base = tab, live_server.url
    log_in_by_cookie(page, base, portal["user"].username)
    page.goto(f"{base}/sizing/?kind=inference&model=llama-3.1-8b&users=50&gpu=l40s-48gb")
    page.wait_for_selector("#result .status")
    page.click("#why-panel > summary")
    rows = page.eval_on_selector_all(
        "table.assumptions tbody tr",
        "rows => rows.map(r => [r.querySelector('input').name, r.querySelector('.source')"
        ".innerText, (r.querySelector('.unit') || {}).innerText || '', r.cells[2].innerText])",
    )
    by_key = {i.short: i for i in spec.ASSUMPTIONS}
    assert len(rows) == sum("inference" in i.kinds for i in spec.ASSUMPTIONS)  # those it reads
    for name, source, unit, default in rows:
        item = by_key[name]
        assert source == f"Source: {fmt.assumption_source(item.key)}"
        assert unit == fmt.unit(item.key)
        assert default == fmt.quantity(item.default, fmt.unit(item.key), digits=4)
    assert any(unit == "GB" for _, _, unit, _ in rows)
    assert not page.console_errors, page.console_errors
