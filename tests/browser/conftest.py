"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
`live_server`. Playwright's own browser download is not used; the binary comes from
CHROMIUM_PATH (default /usr/bin/chromium). A missing Chromium fails the run in CI
(REQUIRE_SERVICES=1) and skips locally.

Screenshots of every step go to test-artifacts/screenshots/ as JPEG (kept by CI as artifacts),
and a test that fails leaves the whole page as it was when it failed (failed-<test>.jpg).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.services import api_token_create
from apps.quotes import services
from apps.quotes.models import PdfJob
from tests.accounts import factories as accounts
from tests.accounts.factories import PASSWORD, make_org, make_user
from tests.conftest import require_or_skip
from tests.quotes import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls of fixtures
# then look "async" to Django although they are not.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return path if os.path.exists(path) else shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_context() -> Iterator[object]:
    path = chromium_path()
    require_or_skip(path is not None, "Chromium (CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="pw-profile-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=path,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Remembers whether the test itself failed, for `tab` to picture the page it failed on."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture
def tab(request, chromium_context, live_server):
    """A tab reset for the test: logged out (cookies cleared), 1280 x 900, with console errors
    collected. A test that fails leaves a full-page screenshot of the tab as it was
    (failed-<test>.jpg).

    The tests share one tab: a new tab starts a new renderer process in Chromium, ~0.3 s of CPU
    against ~0.15 s for resetting this one.
    What a test leaves behind is undone here: its listeners are removed, its init scripts
    (axe_on_every_page) disposed, and the tab goes to about:blank, which stops its page's
    timers and polling (a pending document's status asks every 2 s). The tab of a failed test
    is closed (it may still be loading, or hold a dialog): the next test gets a new one."""
    chromium_context.clear_cookies()
    pages = [p for p in chromium_context.pages if not p.is_closed()]
    tab = pages[0] if pages else chromium_context.new_page()
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.set_default_timeout(15_000)
    tab.console_errors = []
    tab.init_scripts = []  # Disposables of add_init_script, removed after the test
    # Script errors and failed responses (a favicon the portal does not have aside).
    listeners = {"pageerror": lambda e: tab.console_errors.append(str(e))}
    # htmx logs a request it aborted because a newer one replaced it (hx-sync "replace",
    # a user typing on) as an error: by design, not a failure. Failed requests still show
    # as htmx:sendError / htmx:responseError and as responses >= 400 below.
    superseded = ("htmx:sendAbort", "htmx:afterRequest")
    listeners["console"] = lambda m: (
        m.type == "error"
        and "Failed to load resource" not in m.text
        and not m.text.startswith(superseded)
        and tab.console_errors.append(m.text)
    )
    listeners["response"] = lambda r: (
        r.status >= 400
        and not r.url.endswith("/favicon.ico")
        and tab.console_errors.append(f"{r.status} {r.url}")
    )
    for event, listener in listeners.items():
        tab.on(event, listener)
    yield tab
    failed = request.node.stash.get(_CALL_FAILED, False)
    try:
        if failed:
            _failure_shot(tab, request.node.name)
    finally:
        for event, listener in listeners.items():
            tab.remove_listener(event, listener)
        for script in tab.init_scripts:
            script.close()
        if failed:
            tab.close()
        else:
            tab.goto("about:blank")


def _failure_shot(tab, test_name: str) -> None:
    """A full-page screenshot of a failed test's tab, for the person reading CI's artifacts.
    It is a diagnosis, not a check: a tab that cannot take it (a page still loading when a
    navigation timed out) adds no second error to the test's own failure."""
    from playwright.sync_api import Error as PlaywrightError

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", test_name)
    try:
        tab.screenshot(
            path=str(SCREENSHOTS / f"failed-{name}.jpg"), full_page=True, timeout=5_000, **_JPEG
        )
    except PlaywrightError as e:
        print(f"no failure screenshot of {test_name}: {e.message.splitlines()[0]}")


@pytest.fixture
def portal_user(transactional_db):
    """A new partner user, with the catalog imported (the live server sees committed data)."""
    call_command("catalog_import", str(ROOT / "fixtures" / "catalog"), verbosity=0)
    return make_user("newbie", make_org("Partner Browser"), Role.PARTNER)


# JPEG: Chromium encodes a full-page PNG at ~0.2 s of CPU a shot (the page audit's 36 shots cost
# 8 s of its 21.5 s, as JPEG 2.8 s); quality 80 reads the same to a person.
_JPEG = {"type": "jpeg", "quality": 80}


class Shots:
    """Numbered screenshots of one test's steps: the viewport, scrolled to the step's subject
    (a selector) if given, or the whole page (full_page). A whole page costs Chromium 0.7-1.2 s
    of CPU on a 12,000-17,000 px wizard result or saved scenario (the JPEG quality and
    Playwright's animations/caret/scale options change nothing measurable; session 11)
    against ~0.08 s for the viewport: take it where something on the page is wrong (the page
    audit) or on a short page whose whole is the step's subject, not by habit."""

    def __init__(self, page, prefix: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page, self.prefix, self.n = page, prefix, 0

    def __call__(self, name: str, full_page: bool = False, subject: str | None = None) -> Path:
        self.n += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.n:02d}-{name}.jpg"
        if subject:  # in one step in the page: an htmx swap may replace the element meanwhile
            self.page.evaluate("s => document.querySelector(s)?.scrollIntoView()", subject)
        self.page.screenshot(path=str(path), full_page=full_page, **_JPEG)
        return path


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def log_in_by_cookie(page, base_url: str, username: str) -> None:
    """The user's session put in the tab's cookies, as the login form would (Django's own
    force_login): for the tests whose subject comes after logging in. Saves the login page and
    the page it lands on (~1 s of CPU a test); the form itself is clicked where it belongs in
    the story: the whole journey, the page audit and the approval's hand-over between users."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
    )


def settle(page) -> None:
    """Let the wizard's debounce elapse and any htmx request finish."""
    page.wait_for_timeout(500)
    page.wait_for_function("document.querySelectorAll('.htmx-request').length === 0")


@pytest.fixture
def portal(transactional_db, media_root, tasks_to_broker):
    """A seller with two scenarios, a draft quote, a sent quote with its customer link and
    an API token: something on every page. The send hands the document to the broker, as
    production does, and it is not rendered (~1.3 s of CPU): only the page audit shows it,
    and asks for it with `portal_document`."""
    factories.load_catalog()
    user = accounts.make_user("pages", accounts.make_org("Pages Seller", OrganizationKind.SELLER))
    chat = factories.make_scenario(user, name="Chat for 500 users")
    large = factories.make_scenario(user, factories.LARGE_WORKLOAD, name="Seed Large, 16 nodes")
    draft = factories.make_quote(user, scenario=chat, customer_company="Draft Corp")
    sent, token = services.quote_send(
        user=user, quote=factories.make_quote(user, scenario=large, customer_company="Sent Corp")
    )
    api_token_create(user=user, name="CI laptop", scope="read", expires_in_days=30)
    return {
        "user": user,
        "chat": chat,
        "large": large,
        "draft": draft,
        "sent": sent,
        "token": token,
    }


@pytest.fixture
def portal_document(portal, one_page_document):
    """The portal's sent quote with its document rendered (what the worker does with the
    queued job), so its pages show the download (the one-page document: the pages are the
    subject here, tests/conftest.py)."""
    job = PdfJob.objects.get(quote=portal["sent"])
    services.pdf_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "ready", job.error
    return portal
