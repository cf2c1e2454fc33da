"""The why panel's editable assumptions in Chromium: only those the chosen kind's model reads
(spec `kinds=`), updated when the kind changes (htmx), and an override set for another kind
kept (said under the table, carried in the form and the URL) until the user removes it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from .a11y import axe_violations
from .conftest import Shots, log_in_by_cookie, settle

pytestmark = pytest.mark.browser

START = "/sizing/?gpu=l40s-48gb&model=llama-3.1-8b&users=10&fabric=infiniband"


def url_param(page, name: str) -> list[str]:
    return parse_qs(urlparse(page.url).query).get(name, [])


def editable(page) -> set[str]:
    """Names of the assumption inputs in the why panel's editable table."""
    names = page.eval_on_selector_all(
        "#why-panel table.assumptions input", "els => els.map(e => e.name)"
    )
    return set(names)


def choose_kind(page, kind: str, shows: str) -> None:
    """Pick a kind in the select; the whole wizard is swapped (htmx) once `shows` is there."""
    page.select_option("#id_kind", kind)
    page.wait_for_selector(shows)
    settle(page)
    assert url_param(page, "kind") == [kind]


def overridden(page, name: str) -> bool:
    return page.evaluate(
        "n => { const i = document.querySelector('#id_' + n);"
        " return !!i && i.closest('tr').classList.contains('overridden'); }",
        name,
    )


def test_the_block_follows_the_kind_and_keeps_other_kinds_overrides(tab, live_server, portal_user):
    page = tab
    shot = Shots(page, "wizard-assumptions")
    log_in_by_cookie(page, live_server.url, portal_user.username)
    page.goto(live_server.url + START)
    page.wait_for_selector("#result .status")
    page.click("#why-panel > summary")
    assert page.is_visible("#id_a_eff_mem")

    # Inference: the serving model's assumptions, no training or QLoRA ones.
    inference = editable(page)
    assert {"a_eff_mem", "a_prefill_chunk_tokens", "a_rack_units_per_rack"} <= inference
    assert not {"a_goodput", "a_global_batch_tokens", "a_qlora_bytes_per_param"} & inference
    shot("inference")

    # Pre-training: the block changes with the kind (the panel stays open).
    choose_kind(page, "pretraining", "#id_a_goodput")
    assert page.get_attribute("#why-panel", "open") is not None
    training = editable(page)
    assert {"a_goodput", "a_global_batch_tokens", "a_rack_units_per_rack"} <= training
    assert not {"a_eff_mem", "a_prefill_chunk_tokens", "a_qlora_bytes_per_param"} & training

    # Edit an assumption, size, and see the override in the why panel.
    before = page.inner_text("#result .status")
    page.fill("#id_a_goodput", "0.6")
    page.click("button[type=submit]:has-text('Size the cluster')")
    page.wait_for_function(
        "n => document.querySelector('#id_a_goodput').closest('tr')"
        ".classList.contains('overridden')",
        arg="a_goodput",
    )
    settle(page)
    assert overridden(page, "a_goodput") and page.input_value("#id_a_goodput") == "0.6"
    assert url_param(page, "a_goodput") == ["0.6"]
    assert page.inner_text("#result .status") != before  # less useful time: a longer run
    shot("pretraining-goodput")

    # Back to inference: goodput is not editable there, but kept and said so.
    choose_kind(page, "inference", "#id_a_eff_mem")
    assert "a_goodput" not in editable(page)
    kept = page.inner_text("#kept-assumptions")
    assert "not read when sizing inference" in kept
    assert "Goodput (useful share of training time) = 0.6" in kept
    assert "read for the training kinds" in kept
    assert url_param(page, "a_goodput") == ["0.6"]

    # An inference assumption edited now: the kept one rides along with every update.
    page.fill("#id_a_eff_mem", "0.3")
    page.wait_for_function(
        "() => document.querySelector('#id_a_eff_mem').closest('tr')"
        ".classList.contains('overridden')"
    )
    settle(page)
    assert url_param(page, "a_eff_mem") == ["0.3"] and url_param(page, "a_goodput") == ["0.6"]
    assert page.is_visible("#kept-assumptions")
    assert not axe_violations(page)
    page.locator("#kept-assumptions").scroll_into_view_if_needed()
    shot("inference-kept-goodput")

    # QLoRA: its base-model bytes appear, goodput is editable again with the user's value,
    # and the inference override is the one kept now.
    choose_kind(page, "qlora", "#id_a_qlora_bytes_per_param")
    assert overridden(page, "a_goodput") and page.input_value("#id_a_goodput") == "0.6"
    assert "a_eff_mem" not in editable(page)
    kept = page.inner_text("#kept-assumptions")
    assert "Memory-bandwidth efficiency (inference decode) = 0.3" in kept
    assert "read for inference" in kept
    shot("qlora")

    # LoRA: no QLoRA bytes.
    choose_kind(page, "lora", "#id_a_goodput")
    assert "a_qlora_bytes_per_param" not in editable(page)
    assert page.input_value("#id_a_goodput") == "0.6"

    # Remove the kept override: gone from the URL and the page; goodput stays.
    page.click("#kept-assumptions a:has-text('Remove')")
    page.wait_for_selector("#result .status")
    page.wait_for_function("() => !document.querySelector('#kept-assumptions')")
    assert url_param(page, "a_eff_mem") == [] and url_param(page, "a_goodput") == ["0.6"]
    choose_kind(page, "inference", "#id_a_eff_mem")
    assert page.input_value("#id_a_eff_mem") == "0.7"  # the default again
    assert not page.console_errors, page.console_errors
