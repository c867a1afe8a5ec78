"""A cashier rings up fees with the keyboard alone (Tab, typing, arrows, Enter); axe on every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

MAX_TABS = 60


def tab_to(page: Any, element_id: str) -> None:
    """Press Tab until ``element_id`` has the focus (fails after MAX_TABS)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reachable with Tab")


def test_keyboard_only_ring_up(register_site: Any, page: Any, axe: Callable[[Any], None]) -> None:
    from mado.payments.models import Payment
    from mado.payments.register.models import RegisterTransaction

    register_site.sign_in(page.context, register_site.world["madoguchi"])
    page.goto(register_site.url("/staff/payments/"))
    axe(page)
    # The register's own department (市民課) comes first; tab order follows the page.
    tab_to(page, "qty-juminhyo-utsushi")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "qty-koseki-shomeisho"
    page.keyboard.type("1")
    tab_to(page, "tendered")
    page.keyboard.type("2000")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/register/receipts/" in page.url
    assert page.locator("#change").inner_text() == "950円"
    axe(page)

    # A mistake: too little cash — 400, everything kept, the summary links to the field.
    page.goto(register_site.url("/staff/payments/"))
    tab_to(page, "qty-sodai-gomi")
    page.keyboard.type("2")
    tab_to(page, "tendered")
    page.keyboard.type("100")
    with page.expect_navigation() as nav:
        page.keyboard.press("Enter")
    assert nav.value.status == 400
    assert page.locator("#qty-sodai-gomi").input_value() == "2"
    assert page.locator(".error-summary a[href='#tendered']").count() == 1
    axe(page)

    # Card, chosen with the arrow keys in the method group; Enter completes.
    tab_to(page, "tendered")
    page.keyboard.press("Shift+Tab")  # back into the radio group (cash is checked)
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name=method][value=card]").is_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/register/receipts/" in page.url
    assert RegisterTransaction.unscoped.count() == 2
    assert sorted(Payment.unscoped.values_list("method", flat=True)) == ["card", "cash"]

    # The daily sheet is accessible too.
    page.locator("a", has_text="日計表").first.click()
    page.locator("a", has_text="-").first.click()
    assert page.locator("#net-total").inner_text() == "1,650円"  # 600 + 450 (cash) + 600 (card)
    axe(page)
