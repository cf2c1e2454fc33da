"""The wizard's form in a real browser (issue 14): inputs per mode, every field error at once
with its field named and its limits in the field's own units, units beside the inputs."""

from __future__ import annotations

import pytest

from .conftest import Shots, log_in_by_cookie, settle

pytestmark = pytest.mark.browser

START = "/sizing/?gpu=l40s-48gb&model=llama-3.1-8b&users=10&fabric=infiniband"


def summary_items(page) -> list[str]:
    return [t.strip() for t in page.locator("#error-summary li").all_inner_texts()]


def test_every_error_at_once_named_and_in_the_fields_units(tab, live_server, portal_user):
    page = tab
    shot = Shots(page, "wizard-form")
    log_in_by_cookie(page, live_server.url, portal_user.username)
    page.goto(live_server.url + START)
    page.wait_for_selector("#result .status")
    # Units beside the inputs, from the specification.
    assert page.inner_text("#f-ttft_s .unit-after") == "seconds"
    assert page.inner_text("#f-users .unit-after") == "users"
    assert page.inner_text("#f-headroom .unit-after") == "%"

    for field, value in (("users", "0"), ("prompt_tokens", "lots"), ("ttft_s", "-1")):
        page.fill(f"#id_{field}", value)
        settle(page)
    page.fill("#id_headroom", "5000")
    page.wait_for_function("document.querySelectorAll('#error-summary li').length === 4")
    settle(page)
    shot("four-errors")
    assert summary_items(page) == [
        "Concurrent users must be between 1 and 10,000,000 users; you typed 0.",
        "Prompt length: Enter a whole number, like 2000 (no letters).",
        "Time to first token must be more than 0 and at most 86,400 seconds; you typed -1.",
        "Growth headroom must be between 0 and 1,000%; you typed 5000.",
    ]
    assert "you typed -1" in page.inner_text("#err-ttft_s")
    assert "Enter a whole number" in page.inner_text("#err-prompt_tokens")
    # Each summary line links to its field.
    link = page.locator("#error-summary a", has_text="Time to first token must be")
    assert link.get_attribute("href") == "#id_ttft_s"

    for field, value in (("users", "10"), ("prompt_tokens", "1024"), ("ttft_s", "2")):
        page.fill(f"#id_{field}", value)
        settle(page)
    page.fill("#id_headroom", "0")
    page.wait_for_selector("#result .status")
    assert not page.is_visible("#error-summary")
    assert not page.console_errors, page.console_errors


def test_training_tokens_are_typed_and_checked_in_billions(tab, live_server, portal_user):
    page = tab
    log_in_by_cookie(page, live_server.url, portal_user.username)
    page.goto(live_server.url + START)
    page.wait_for_selector("#result .status")
    page.select_option("#id_kind", "pretraining")  # re-renders the form for training
    page.wait_for_selector("#id_tokens_b")
    assert page.inner_text("#f-tokens_b .unit-after") == "billion tokens"
    assert page.input_value("#id_tokens_b") == "1000"  # the specification's suggested start
    page.fill("#id_tokens_b", "1e12")
    page.wait_for_selector("#err-tokens_b >> text=you typed 1e12")
    message = page.inner_text("#err-tokens_b")
    assert "at most 10,000,000 billion tokens" in message and "e+21" not in message
    assert not page.console_errors, page.console_errors


def test_capacity_mode_asks_what_capacity_mode_needs(tab, live_server, portal_user):
    page = tab
    shot = Shots(page, "wizard-mode")
    log_in_by_cookie(page, live_server.url, portal_user.username)
    page.goto(live_server.url + START)
    page.wait_for_selector("#result .status")
    assert not page.is_visible("#id_nodes") and page.is_visible("#id_headroom")
    page.select_option("#id_mode", "capacity")
    page.wait_for_selector("#id_nodes")
    assert not page.is_visible("#id_headroom")
    assert "Optional for a fixed node count" in page.inner_text("#help-users")
    page.wait_for_selector("#err-nodes >> text=Enter the node count to evaluate")
    page.fill("#id_users", "")
    page.fill("#id_nodes", "2")
    page.wait_for_function(
        "() => { const s = document.querySelector('#result .status');"
        " return s && s.textContent.includes('in 2 nodes'); }"
    )
    settle(page)
    shot("capacity-no-users")
    assert not page.is_visible("#error-summary")
    assert "mode=capacity" in page.url and "nodes=2" in page.url
    assert not page.console_errors, page.console_errors
