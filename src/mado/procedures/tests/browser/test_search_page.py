"""/procedures/ in Chromium: axe clean in Japanese and English, usable at 320 px and without JS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()


@pytest.fixture
def catalogue_site(site: Any, settings: Any) -> Any:
    from mado.eforms.demo import publish_demo_forms
    from mado.procedures.catalogue import clear_cache
    from mado.procedures.services import seed_standard_catalogue

    clear_cache()
    settings.MADO_DEFAULT_MUNICIPALITY = site.world["city"].code
    assert seed_standard_catalogue(site.world["city"]).ok
    publish_demo_forms(site.world["city"])
    yield site
    clear_cache()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_search_page_has_no_axe_violations(
    catalogue_site: Any, page: Any, axe: Callable[[Any], None], language: str
) -> None:
    page.goto(catalogue_site.url("/procedures/"))
    if language != "ja":
        catalogue_site.switch_language(page, language)
    axe(page)
    page.fill("#q", "住民票")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator(".procedure-list li").count() >= 1
    axe(page)


def test_find_juminhyo_without_javascript_at_phone_width(
    catalogue_site: Any, new_context: Any
) -> None:
    context = new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(catalogue_site.url("/"))
    with page.expect_navigation():
        page.get_by_role("link", name="オンラインでできる手続をさがす").click()
    page.fill("#q", "じゅうみんひょう")
    with page.expect_navigation():
        page.get_by_role("button", name="さがす").click()
    link = page.locator("a[href='/apply/juminhyo-utsushi/']")
    assert link.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    with page.expect_navigation():
        link.click()
    assert page.url.endswith("/apply/juminhyo-utsushi/")
