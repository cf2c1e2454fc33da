"""Every page of the portal in Chromium: axe-core finds no serious or critical violation,
ids are unique, and at 1280 px and 390 px the page never scrolls sideways and no table,
figure or card is cut off. Screenshots of each page at each width go to
test-artifacts/screenshots/ (pages-*): the viewport, the whole page where a check found
something."""

from __future__ import annotations

import pytest

from .a11y import axe_on_every_page, axe_violations, duplicate_ids, layout_problems
from .conftest import Shots, log_in, log_in_by_cookie

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
TRAINING = {
    "kind": "pretraining",
    "model": "llama-3.1-8b",
    "gpu": "h100-sxm-80gb",
    "training": {"tokens_b": 20, "target_days": 10},
}


def _pages(p: dict) -> list[tuple[str, str, str]]:
    """(name, path, selector that says the page is ready)."""
    chat, large, draft, sent = p["chat"], p["large"], p["draft"], p["sent"]
    return [
        ("home", "/", "main h1"),
        (
            "wizard-result",
            "/sizing/?kind=inference&model=llama-3.1-8b&users=50&gpu=l40s-48gb",
            "#result .status",
        ),
        (
            "wizard-large",
            "/sizing/?"
            + "&".join(
                f"{k}={v}"
                for k, v in {
                    "kind": "inference",
                    "model": "llama-2-70b",
                    "gpu": "h100-pcie-80gb",
                    "nodes": 16,
                    "users": 500,
                }.items()
            ),
            "#result .status",
        ),
        (
            "wizard-whatif",
            "/sizing/?kind=inference&model=llama-3.1-8b&users=50&gpu=l40s-48gb"
            "&wi_nodes=3&wi_precision=fp8&wi_headroom=20",
            "#whatif-table",
        ),
        (
            "wizard-training",
            "/sizing/?kind=lora&model=llama-3.1-8b&tokens_b=2&target_days=1",
            "#result .status",
        ),
        ("scenarios", "/sizing/scenarios/", "table.scenarios"),
        ("scenario-detail", f"/sizing/scenarios/{large.pk}/", "main h1"),
        ("compare", f"/sizing/scenarios/compare/?ids={chat.pk}&ids={large.pk}", "#compare-table"),
        ("quotes", "/quotes/", "main h1"),
        ("quote-new", f"/quotes/new/from-scenario/{chat.pk}/", "#id_customer_company"),
        ("quote-draft", f"/quotes/{draft.pk}/", "main h1"),
        ("quote-edit", f"/quotes/{draft.pk}/edit/", "#id_customer_company"),
        ("quote-sent", f"/quotes/{sent.pk}/", "main h1"),
        ("catalog", "/catalog/", "main h1"),
        ("gpus", "/catalog/gpus/", "main h1"),
        ("tokens", "/accounts/tokens/", "main h1"),
    ]


def _check(page, shot, name: str, problems: dict[str, list[str]]) -> None:
    """The page at both widths, axe and the ids at 1280 px, starting with the width the tab is
    at: the next page loads at the width this one ended on, so each page is laid out at two
    widths once each instead of being resized back to 1280 before it is left (a relayout of
    the page being left, ~0.8 s of Chromium's CPU over the audit's pages; session 11)."""
    page.wait_for_function("document.querySelectorAll('.htmx-request').length === 0")
    first = page.viewport_size["width"]
    for width in sorted(WIDTHS, key=lambda w: w != first):
        if width != first:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
        found = [f"axe: {v}" for v in axe_violations(page)] if width == WIDTHS[0] else []
        found += [f"duplicate id {i}" for i in duplicate_ids(page)] if width == WIDTHS[0] else []
        found += [f"{width}px: {x}" for x in layout_problems(page)]
        if found:
            problems[name] = problems.get(name, []) + found
        shot(f"{name}-{width}", full_page=bool(found))  # the whole page where something is wrong


def test_every_page_passes_axe_and_fits_1280_and_390(tab, live_server, portal_document):
    portal = portal_document  # the sent quote's pages show its document's download
    page, base = tab, live_server.url
    shot = Shots(page, "pages")
    problems: dict[str, list[str]] = {}
    axe_on_every_page(page)

    page.goto(f"{base}/accounts/login/")
    _check(page, shot, "login", problems)
    page.goto(f"{base}/q/{portal['token']}/")  # the customer's page, logged out
    page.wait_for_selector("main h1")
    _check(page, shot, "share", problems)

    log_in(page, base, portal["user"].username)
    for name, path, ready in _pages(portal):  # loaded at 1280 or 390 px, in turn (_check)
        page.goto(base + path)
        page.wait_for_selector(ready)
        if name.startswith("wizard"):  # the why panel and details opened, as a reader would
            page.eval_on_selector_all("details", "els => els.forEach(d => d.open = true)")
        _check(page, shot, name, problems)

    report = "\n".join(f"{n}:\n  " + "\n  ".join(v) for n, v in problems.items())
    assert not problems, report
    assert not page.console_errors, page.console_errors


def _live(page) -> str:
    return page.inner_text("#live-status").strip()


def _wait_live(page, before: str) -> str:
    page.wait_for_function(
        "b => document.querySelector('#live-status').textContent.trim() !== b", arg=before
    )
    return _live(page)


def test_htmx_updates_are_announced_in_one_live_region(tab, live_server, portal):
    """Results, errors and filtered tables are said in #live-status, which is polite, atomic
    and never replaced (so screen readers announce each change)."""
    page, base = tab, live_server.url
    log_in_by_cookie(page, base, portal["user"].username)
    page.goto(f"{base}/sizing/?kind=inference&model=llama-3.1-8b&users=50&gpu=l40s-48gb")
    page.wait_for_selector("#result .status")
    region = page.eval_on_selector(
        "#live-status",
        "e => [e.getAttribute('aria-live'), e.getAttribute('aria-atomic'), e.closest('#result')]",
    )
    assert region == ["polite", "true", None]
    assert page.locator("[aria-live]").count() == 1  # one voice, not several talking at once
    page.evaluate("document.getElementById('live-status').dataset.mark = 'same node'")

    page.fill("#id_users", "3000")
    said = _wait_live(page, "")
    assert said == page.inner_text("#result .status").strip() and "× NVIDIA L40S" in said
    page.fill("#id_users", "0")
    said = _wait_live(page, said)
    assert said.startswith("Some inputs need attention") and "Concurrent users" in said
    page.select_option("#id_kind", "lora")  # re-renders the whole wizard
    page.wait_for_selector("#id_tokens_b")
    said = _wait_live(page, said)
    assert "node" in said or "attention" in said
    assert page.evaluate("document.getElementById('live-status').dataset.mark") == "same node"

    page.goto(f"{base}/catalog/")
    page.fill("#id_q", "ThinkSystem")
    said = _wait_live(page, "")
    count = page.inner_text("#part-table p.help").split()[0]
    assert said.startswith(f"{count} part") and "page 1 of" in said

    page.goto(f"{base}/quotes/")
    page.locator("#id_customer").press_sequentially("Sent")
    assert _wait_live(page, "") == "1 quote shown."
    page.goto(f"{base}/sizing/scenarios/")
    page.fill("#id_q", "Seed")
    assert _wait_live(page, "") == "1 scenario shown."
    assert not page.console_errors, page.console_errors


def test_a_4096_node_result_is_a_readable_length(tab, live_server, portal):
    """The 4,096-node page (54,000 px tall before racks were grouped) in Chromium: its height
    at 1280 px, axe, and the 390 px layout."""
    page, base = tab, live_server.url
    log_in_by_cookie(page, base, portal["user"].username)
    query = "kind=inference&model=llama-2-70b&gpu=h100-pcie-80gb&mode=capacity&nodes=4096&users=500"
    page.goto(f"{base}/sizing/?{query}")
    page.wait_for_selector("#result .status")
    assert "in 4,096 nodes" in page.inner_text("#result .status")
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"4,096-node result page: {height:,} px tall at 1280 px")
    assert height < 20_000
    problems: dict[str, list[str]] = {}
    _check(page, Shots(page, "pages-4096"), "wizard-4096", problems)
    assert not problems, problems
