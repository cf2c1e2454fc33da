"""A new user's whole journey through the wizard in a real browser, plus invalid input and
the phone-width layout. Each step leaves a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import csv
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import Shots, log_in, log_in_by_cookie, settle

pytestmark = pytest.mark.browser


def status(page) -> str:
    return page.inner_text("#result .status")


def wait_status_change(page, before: str) -> str:
    page.wait_for_function(
        "b => { const s = document.querySelector('#result .status');"
        " return s && s.textContent.trim() !== b.trim(); }",
        arg=before,
    )
    return status(page)


def url_param(page, name: str) -> list[str]:
    return parse_qs(urlparse(page.url).query).get(name, [])


def test_whole_journey(tab, live_server, portal_user):
    page = tab
    base = live_server.url
    shot = Shots(page, "journey")
    page.goto(f"{base}/sizing/")
    shot("login-page")
    log_in(page, base, portal_user.username)
    page.goto(f"{base}/sizing/")
    page.wait_for_selector("#result .status")
    shot("wizard-defaults")

    # Inference: a small model for 50 users on L40S.
    page.evaluate("window.__noReload = 'still here'")
    before = status(page)
    page.select_option("#id_gpu", "l40s-48gb")  # re-renders the form (precisions follow)
    page.wait_for_function("document.querySelector('#id_gpu').value === 'l40s-48gb'")
    before = wait_status_change(page, before)
    page.select_option("#id_model", "llama-3.1-8b")
    before = wait_status_change(page, before)
    page.fill("#id_users", "50")
    before = wait_status_change(page, before)
    assert "NVIDIA L40S 48GB" in before and url_param(page, "users") == ["50"]
    shot("inference-50-users")

    # Change a field: the result updates in place, without a reload.
    page.fill("#id_users", "3000")
    after = wait_status_change(page, before)
    assert page.evaluate("window.__noReload") == "still here"
    assert url_param(page, "users") == ["3000"]
    assert after != before
    shot("inference-3000-users")

    # The back button returns to the previous state.
    page.go_back()
    page.wait_for_function("document.querySelector('#id_users').value === '50'")
    page.wait_for_selector("#result .status")
    assert "in 1 node" in status(page)
    page.go_forward()
    page.wait_for_function("document.querySelector('#id_users').value === '3000'")

    # The why panel: explanations, and an assumption edited in place.
    page.click("#why-panel > summary")
    assert page.is_visible("ol.explanations li")
    before = status(page)
    page.fill("#id_a_eff_mem", "0.3")
    page.wait_for_function(
        "document.querySelector('#id_a_eff_mem') &&"
        " document.querySelector('#id_a_eff_mem').closest('tr')"
        ".classList.contains('overridden')"
    )
    assert page.get_attribute("#why-panel", "open") is not None  # stays open across updates
    assert url_param(page, "a_eff_mem") == ["0.3"]
    settle(page)
    page.evaluate("document.getElementById('why-panel').scrollIntoView()")
    shot("why-panel")

    # Export the BoM as CSV; its rows are the BoM table's rows.
    with page.expect_download() as download_info:
        page.click("text=Export BoM (CSV)")
    path = download_info.value.path()
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    table_parts = page.eval_on_selector_all(
        ".bom-table tbody tr td:first-child", "els => els.map(e => e.textContent.trim())"
    )
    lines = [r for r in rows if (r.get("Quantity") or "").isdigit()]
    assert [r["Part number"] for r in lines] == table_parts and len(lines) > 10
    assert all(int(r["Quantity"]) > 0 for r in lines)

    # Save it as a scenario.
    page.fill("#id_save_name", "Chat for 3000 users")
    page.click("#save-box button[type=submit]")
    page.wait_for_url("**/sizing/scenarios/*/")
    assert page.inner_text("h1") == "Chat for 3000 users"
    shot("scenario-saved")

    # Training: pick a training kind; the form changes to training fields.
    page.goto(f"{base}/sizing/")
    page.select_option("#id_kind", "lora")
    page.wait_for_selector("#id_tokens_b")
    assert not page.is_visible("#id_users")
    before = status(page)
    page.fill("#id_tokens_b", "2")
    page.fill("#id_target_days", "1")
    wait_status_change(page, before)
    assert "days to train" in page.inner_text("#result .summary")
    shot("training-lora", subject="#result .summary")
    page.fill("#id_save_name", "LoRA 2B tokens in a day")
    page.click("#save-box button[type=submit]")
    page.wait_for_url("**/sizing/scenarios/*/")

    # Reopen and compare the two scenarios.
    page.click("nav >> text=Scenarios")
    page.wait_for_selector("table.scenarios")
    shot("scenario-list")
    page.check("table.scenarios tbody tr:nth-child(1) input[type=checkbox]")
    page.check("table.scenarios tbody tr:nth-child(2) input[type=checkbox]")
    page.click("text=Compare the two ticked")
    page.wait_for_selector("#compare-table")
    compare = page.inner_text("#compare-table")
    assert "Chat for 3000 users" in compare and "LoRA 2B tokens in a day" in compare
    shot("compare", full_page=True)
    page.click("#compare-table >> text=Chat for 3000 users")
    page.click("text=Open in the wizard")
    page.wait_for_selector("#result .status")
    assert page.input_value("#id_users") == "3000"
    assert page.input_value("#id_a_eff_mem") == "0.3"
    shot("reopened-in-wizard")
    assert not page.console_errors, page.console_errors


def test_invalid_input_shows_messages_beside_the_fields(tab, live_server, portal_user):
    page = tab
    shot = Shots(page, "invalid")
    log_in_by_cookie(page, live_server.url, portal_user.username)
    page.goto(f"{live_server.url}/sizing/?gpu=l40s-48gb&model=llama-3.1-8b&users=10")
    page.fill("#id_users", "ten")
    page.wait_for_selector("#err-users >> text=Enter a whole number")
    assert page.is_visible("#error-summary")
    shot("letters")
    page.fill("#id_users", "0")
    page.wait_for_selector("#err-users >> text=Concurrent users must be between 1")
    shot("zero-users")
    page.fill("#id_users", "10")
    page.wait_for_selector("#result .status")
    assert page.inner_text("#err-users") == ""
    page.select_option("#id_model", "llama-3.1-405b")
    settle(page)
    assert not page.is_visible("#id_nodes")  # size mode asks no node count
    page.select_option("#id_mode", "capacity")  # re-renders the form with the node count
    page.wait_for_selector("#id_nodes")
    settle(page)  # the re-rendered form is in: typing now is not overwritten by its swap
    assert not page.is_visible("#id_headroom")  # growth headroom is a size-mode input
    page.fill("#id_nodes", "1")
    page.wait_for_selector("#err-nodes >> text=needs at least 24 GPUs (3 node(s)) per replica")
    settle(page)
    shot("model-too-big-for-the-cluster")
    assert not page.console_errors, page.console_errors


def test_phone_width_renders_and_keyboard_reaches_the_steps(tab, live_server, portal_user):
    page = tab
    shot = Shots(page, "phone")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_by_cookie(page, live_server.url, portal_user.username)
    page.goto(f"{live_server.url}/sizing/")
    page.wait_for_selector("#result .status")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the phone"
    shot("wizard-top")
    page.focus("#id_kind")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
    assert {"id_model", "id_users", "id_gpu", "id_precision"} <= set(seen)
    page.evaluate("document.querySelector('#result .summary').scrollIntoView()")
    shot("result-cards")
