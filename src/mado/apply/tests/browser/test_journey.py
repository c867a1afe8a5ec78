"""Done-when of issue 4, as a new user would: card sign-in, prefilled and locked, receipt, /my/.

Each page of the flow passes axe (WCAG 2.2 A/AA); the same journey runs with
JavaScript switched off, and at 320 px every page reflows without sideways
scrolling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.apply.tests.browser.helpers import from_portal, journey  # noqa: E402
from mado.staff.tests.browser.test_reflow import WIDTHS  # noqa: E402


def test_card_journey_with_axe_on_every_page(apply_site: Any, page: Any,
                                             axe: Callable[[Any], None]) -> None:
    journey(apply_site, page, lambda p, _name: axe(p))
    for path in ("/apply/no-such-procedure/", "/apply/resume/forged-token/"):
        response = page.goto(apply_site.url(path))
        assert response.status == 404
        assert page.locator("a[href='/navi/']").count() >= 1
        axe(page)


def test_new_user_from_portal_search_to_my_page(apply_site: Any, page: Any,
                                                axe: Callable[[Any], None]) -> None:
    """Issue 4's done-when in one piece: portal → search → form → card → receipt + PDF → /my/."""
    from_portal(apply_site, page, lambda p, _name: axe(p))
    number = journey(apply_site, page, lambda p, _name: axe(p), start_at_form=False)
    assert number in page.locator("main").inner_text()


def test_journey_without_javascript(apply_site: Any, new_context: Any) -> None:
    page = new_context(java_script_enabled=False).new_page()
    journey(apply_site, page, lambda _p, _name: None)


def test_journey_reflows_at_320px(apply_site: Any, new_context: Any) -> None:
    page = new_context(viewport={"width": 320, "height": 640}).new_page()

    def fits(p: Any, name: str) -> None:
        scroll_width, inner_width = p.evaluate(WIDTHS)
        assert scroll_width <= inner_width + 1, f"{name}: scrollWidth {scroll_width} > {inner_width}"

    journey(apply_site, page, fits)


def test_keyboard_only_enter_goes_forward_not_add_row(apply_site: Any, page: Any) -> None:
    """Enter in a text field moves to the next step (the add-row button is not the default)."""
    from mado.apply.tests.browser.helpers import click
    from mado.apply.tests.conftest import CODE
    from mado.identity.services import DEMO_PIN

    page.goto(apply_site.url(f"/apply/{CODE}/"))
    click(page, page.locator("a", has_text="マイナンバーカードで本人確認する"))
    page.locator("label", has_text="髙橋 太郎(有効").click()
    page.fill("#pin", DEMO_PIN)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("button", has_text="申請をはじめる").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#f-email").fill("taro@example.jp")
    with page.expect_navigation():
        page.locator("#f-email").press("Enter")
    assert page.url.endswith("/request/"), page.url
    page.locator("#f-copies").fill("1")
    page.locator("label", has_text="本人").first.click()
    with page.expect_navigation():
        page.locator("#f-copies").press("Enter")
    assert page.url.endswith("/review/"), page.url
    # Focus is visible on the edit links and the submit button, reached by Tab.
    page.locator("button", has_text="申請する").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#receipt-number").count() == 1
