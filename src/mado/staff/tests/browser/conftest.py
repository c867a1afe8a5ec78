"""Fixtures of the real-browser tests: one Chromium, a live Mado, a fresh context per test.

Why they look the way they do (details in docs/testing.md):

- Debian's Chromium at /usr/bin/chromium is driven by Playwright; Playwright's own
  browser download is never used (cities run closed networks, CI installs the
  Debian package). Without Chromium or the two Python packages each test module
  skips itself at collection (see __init__.py); this file then imports neither.
- Playwright's sync API keeps an asyncio loop running in the main thread, so
  Django treats ORM calls from test code as an "async context" and refuses them.
  The browser is therefore *package*-scoped: started once for this directory
  (one browser for the whole run) and stopped before any other test runs, with
  DJANGO_ALLOW_ASYNC_UNSAFE set only while it lives.
- ``live_server`` needs a transactional database that is flushed after each
  test. On SQLite the flush DELETEs every table, which the audit log's
  append-only trigger refuses; the ``site`` fixture empties the audit table with
  that trigger lifted for an instant first (PostgreSQL flushes with TRUNCATE,
  which row triggers never see, so nothing is done there).
- Every context routes all requests and aborts any that is not for this machine;
  such a request fails the test, which proves the pages need no CDN.
- A failing test leaves a screenshot at test-results/screenshots/<test name>.png.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client

from mado.staff.tests.browser import CHROMIUM, MISSING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SCREENSHOT_DIR = Path("test-results") / "screenshots"
ACTION_TIMEOUT_MS = 5_000

if not MISSING:  # otherwise every test module skips itself at collection
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

_CONTEXTS = pytest.StashKey[list["BrowserContext"]]()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole browser suite."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def guard_network(context: BrowserContext) -> list[str]:
    """Abort every request of ``context`` not meant for this machine; returns those URLs."""
    refused: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            refused.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)
    return refused


@pytest.fixture
def network_guard() -> Callable[[BrowserContext], list[str]]:
    return guard_network


def _empty_audit_log_for_flush() -> None:
    """Let the post-test flush DELETE from an empty audit table (SQLite only).

    The trigger statement is the migration's own, so the schema stays exactly as
    migrated for the tests that run afterwards (some check the trigger itself).
    """
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("mado.core.migrations.0002_audit_append_only")
    recreate = next(sql for sql in migration.SQLITE_UP if "core_auditentry_no_delete" in sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
        cursor.execute("DELETE FROM core_auditentry")
        cursor.execute(recreate)


# The pages that exist now: name -> (path, who is signed in, expected HTTP status).
# "{takahashi}" is replaced with that resident's id; the detail page carries the
# 個人番号 reveal form (madoguchi holds the my_number role).
PAGES: dict[str, tuple[str, str | None, int]] = {
    "public_home": ("/", None, 200),
    "staff_login": ("/staff/login/", None, 200),
    "staff_home": ("/staff/", "madoguchi", 200),
    "resident_search": ("/staff/residents/?q=たかはし", "madoguchi", 200),
    "resident_detail": ("/staff/residents/{takahashi}/", "madoguchi", 200),
    "forbidden_403": ("/staff/audit/", "madoguchi", 403),
    "not_found_404": ("/no-such-page/", None, 404),
    "staff_not_found_404": ("/staff/residents/999999999/", "madoguchi", 404),
}


@dataclass
class Site:
    """The live Mado under test and the world (サンプル市/テスト町) it serves."""

    base_url: str
    world: dict[str, Any]
    page_names: tuple[str, ...] = tuple(PAGES)

    def url(self, path: str) -> str:
        return self.base_url + path

    def sign_in(self, context: BrowserContext, user: Any) -> None:
        """Give ``context`` a signed-in session without typing (tests of sign-in type)."""
        if any(c["name"] == settings.SESSION_COOKIE_NAME for c in context.cookies(self.base_url)):
            return
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url}]
        )

    def visit(self, page: Page, name: str) -> None:
        """Open one of PAGES (signing in first when it needs staff) and check its status."""
        path, who, status = PAGES[name]
        if who is not None:
            self.sign_in(page.context, self.world[who])
        path = path.format(takahashi=self.world["takahashi"].pk)
        response = page.goto(self.url(path))
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"

    def switch_language(self, page: Page, code: str) -> None:
        """Use the header's language form, as a person would."""
        page.select_option("#lang-select", code)
        with page.expect_navigation():
            page.locator("form.lang-switch button[type=submit]").click()
        assert page.locator("html").get_attribute("lang") == code


@pytest.fixture
def site(live_server: Any, world: dict[str, Any]) -> Iterator[Site]:
    yield Site(base_url=live_server.url, world=world)
    _empty_audit_log_for_flush()


@pytest.fixture
def new_context(
    browser: Browser, site: Site, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Factory of fresh, network-guarded contexts; all are closed after the test.

    A request that left this machine fails the test (reported at teardown).
    """
    contexts: list[BrowserContext] = []
    guards: list[list[str]] = []
    request.node.stash[_CONTEXTS] = contexts

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "ja-JP")
        context = browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS * 2)
        guards.append(guard_network(context))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    outside = [url for guard in guards for url in guard]
    if outside:
        pytest.fail(
            "localhost 以外への通信がありました / requests left this machine: " + ", ".join(outside)
        )


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a fresh Japanese-locale context at a desktop size."""
    return new_context(viewport={"width": 1280, "height": 800}).new_page()


def run_axe(page: Page) -> None:
    """Assert that axe finds no WCAG 2.2 A/AA violation on the page as it is now."""
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, f"{page.url}\n{result.generate_report()}"


@pytest.fixture
def axe() -> Callable[[Page], None]:
    return run_axe


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failed test, save a screenshot of the page it was looking at."""
    report = yield
    if report.when == "call" and report.failed:
        pages = [p for c in item.stash.get(_CONTEXTS, []) for p in c.pages]
        if pages:
            name = re.sub(r"[^\w.\-\[\]]+", "_", item.name)
            path = item.config.rootpath / SCREENSHOT_DIR / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                pages[-1].screenshot(path=str(path), full_page=True)
            except Exception as exc:
                report.sections.append(("screenshot", f"could not save: {exc}"))
            else:
                report.sections.append(("screenshot", str(path)))
    return report
