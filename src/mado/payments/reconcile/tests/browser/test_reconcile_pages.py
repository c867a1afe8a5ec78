"""消込 in a real browser: upload by keyboard alone, axe (WCAG 2.2 AA) on every page staff use.

Pages: the import page (with an import listed), a file's results, the monthly
report, the staff payment list and a payment's detail. The file input is
reached with Tab; the OS file dialog itself is outside the page, so the file
is given to the focused input as a keyboard user's dialog would, and Enter on
the submit button imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

MAX_TABS = 60


def _tab_to(page: Any, selector: str) -> None:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement === document.querySelector('{selector}')"):
            return
    raise AssertionError(f"{selector} not reachable with Tab")


def test_upload_by_keyboard_and_axe_on_the_payment_pages(
        site: Any, page: Any, axe: Callable[[Any], None], tmp_path: Any) -> None:
    from mado.payments import services as payments
    from mado.payments.reconcile.tests.factories import bank_csv

    city = site.world["city"]
    pays = [payments.create_payment(city, amount_yen=300 + 100 * i, description="粗大ごみ処理券",
                                    channel="slip") for i in range(3)]
    data = bank_csv([(pays[0].reference, 300), (pays[1].reference, 350), ("1234567890128", 500)])
    upload = tmp_path / "収納データ.csv"
    upload.write_bytes(data)

    site.sign_in(page.context, site.world["madoguchi"])
    page.goto(site.url("/staff/payments/reconcile/"))
    axe(page)
    _tab_to(page, "input[type=file]")
    page.locator("input[type=file]").set_input_files(str(upload))
    _tab_to(page, "form[enctype] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/reconcile/files/" in page.url
    body = page.locator("main").inner_text()
    assert "消込済" in body and "過少" in body and "該当する収納なし" in body
    axe(page)

    page.goto(site.url("/staff/payments/reconcile/"))  # now with the import listed
    assert page.locator("main").get_by_text("収納データ.csv").count() >= 1
    axe(page)
    page.goto(site.url("/staff/payments/reconcile/monthly/"))
    axe(page)
    page.goto(site.url("/staff/payments/list/"))
    axe(page)
    page.goto(site.url(f"/staff/payments/p/{pays[0].reference}/"))
    assert "納付済" in page.locator("main").inner_text()
    axe(page)
