"""Done-when of issue 5, as a new user would: apply for a 住民票の写し by mail with the demo card,
pay the fee on the sandbox's hosted page — first with a declined card, then later from /my/ —
and see it paid. axe runs on every payment page; the hosted page works without JavaScript
and at 320 px.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.apply.tests.browser.helpers import click, journey  # noqa: E402

DECLINED = "4000 0000 0000 0002"
APPROVED = "4242 4242 4242 4242"


def _pay_on_hosted_page(page: Any, card: str, check: Callable[[Any, str], None]) -> None:
    click(page, page.locator("main button", has_text="支払う"))
    assert "/sandbox/pay/cs_" in page.url
    assert "テスト環境" in page.locator("main").inner_text()
    check(page, "sandbox hosted page")
    page.locator("label", has_text="クレジットカード").first.click()
    page.fill("#f-card_number", card)
    page.fill("#f-expiry", "12/39")
    page.fill("#f-cvc", "123")
    with page.expect_navigation():
        page.locator("#f-cvc").press("Enter")  # keyboard: Enter pays (the first button)
    assert "/done/" in page.url, page.url


def _journey(site: Any, page: Any, check: Callable[[Any, str], None]) -> None:
    def on_page(p: Any, name: str) -> None:
        if name == "receipt":
            assert p.locator("a", has_text="手数料を支払う").count() == 1
            assert "600円" in p.locator("main").inner_text()
        check(p, name)

    journey(site, page, on_page)  # ends on /my/ after submitting (2 copies: 600円)
    assert "未納" in page.locator("main").inner_text()
    click(page, page.locator("main a", has_text="支払う"))
    check(page, "pay page")
    _pay_on_hosted_page(page, DECLINED, check)
    main = page.locator("main").inner_text()
    assert "お支払いが完了していません" in main and "決済不可" in main
    check(page, "declined")

    page.goto(site.url("/my/"))
    main = page.locator("main").inner_text()
    assert "未納" in main and "申請済" in main  # the application is intact
    click(page, page.locator("main a", has_text="支払う"))
    _pay_on_hosted_page(page, APPROVED, check)
    assert "お支払いが完了しました" in page.locator("main").inner_text()
    check(page, "paid")
    page.goto(site.url("/my/"))
    main = page.locator("main").inner_text()
    assert "未納" not in main and "納付済" in main


def test_pay_by_card_after_a_decline_with_axe(apply_site: Any, page: Any,
                                              axe: Callable[[Any], None]) -> None:
    _journey(apply_site, page, lambda p, _name: axe(p))


def test_payment_without_javascript_and_at_320px(apply_site: Any, new_context: Any) -> None:
    page = new_context(java_script_enabled=False, viewport={"width": 320, "height": 640}).new_page()

    def fits(p: Any, name: str) -> None:
        if "sandbox" in name or name in ("pay page", "declined", "paid"):
            width = p.locator("html").evaluate("e => e.scrollWidth")
            assert width <= 321, f"{name}: scrollWidth {width}"

    _journey(apply_site, page, fits)
