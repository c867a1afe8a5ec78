"""The guard that fails any browser test whose page reaches beyond this machine really bites.

Every other browser test relies on it to prove that the pages need no CDN,
web font service or analytics; this test shows it refuses such a request
and lets the live server's own requests through.
"""

from __future__ import annotations

from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

OUTSIDE = "https://cdn.example.com/library.css"


def test_guard_refuses_other_hosts_and_allows_the_live_server(
    site: Any, browser: Any, network_guard: Any
) -> None:
    # bypass_csp: the site's Content-Security-Policy would block the outside
    # stylesheet before any request is made; this test is about the guard.
    context = browser.new_context(bypass_csp=True)
    try:
        refused = network_guard(context)
        page = context.new_page()
        response = page.goto(site.url("/"))
        assert response is not None and response.status == 200
        assert refused == []
        with page.expect_event("requestfailed") as failed:
            page.set_content(f'<link rel="stylesheet" href="{OUTSIDE}">')
        assert failed.value.url == OUTSIDE
        assert refused == [OUTSIDE]
    finally:
        context.close()
