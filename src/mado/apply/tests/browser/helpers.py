"""The resident's journey in a real browser: card sign-in, two steps, review, receipt, /my/."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mado.apply.tests.conftest import CODE
from mado.identity.services import DEMO_PIN

FORM = "form.apply-form"
RECEIPT = re.compile(r"^[A-Z]\d{2}-\d{7}-\d$")


def click(page: Any, locator: Any) -> Any:
    with page.expect_navigation() as nav:
        locator.click()
    return nav.value


def from_portal(site: Any, page: Any, check: Callable[[Any, str], None]) -> None:
    """As a new user: the city's top page → procedure search → 住民票の写し → its online form."""
    page.goto(site.url("/"))
    check(page, "portal")
    click(page, page.get_by_role("link", name="オンラインでできる手続をさがす"))
    page.fill("#q", "住民票")
    click(page, page.get_by_role("button", name="さがす"))
    check(page, "procedure search results")
    click(page, page.locator(f"a[href='/apply/{CODE}/']"))
    assert page.url.endswith(f"/apply/{CODE}/"), page.url


def journey(site: Any, page: Any, check: Callable[[Any, str], None], *,
            start_at_form: bool = True) -> str:
    """From /apply/<code>/ to /my/; ``check(page, name)`` runs on every page. Returns the number.

    ``start_at_form=False``: the page is already on the form's intro (see :func:`from_portal`).
    """
    if start_at_form:
        page.goto(site.url(f"/apply/{CODE}/"))
    check(page, "intro (not signed in)")
    click(page, page.locator("a", has_text="マイナンバーカードで本人確認する"))
    assert "/id/card/" in page.url
    page.locator("label", has_text="髙橋 太郎(有効").click()
    page.fill("#pin", DEMO_PIN)
    click(page, page.locator("button", has_text="カードで署名して確認する"))
    assert page.url.endswith(f"/apply/{CODE}/"), page.url
    check(page, "intro (signed in)")
    click(page, page.locator("button", has_text="申請をはじめる"))

    # Step 1: name, birth date and address from the card, locked.
    assert page.locator(".progress__count").inner_text().strip() == "ステップ 1 / 2"
    assert page.locator("[aria-current=step]").count() == 1
    family = page.locator("#f-name-family")
    assert family.input_value() == "髙橋" and family.get_attribute("readonly") is not None
    assert page.locator("#f-address").get_attribute("readonly") is not None
    assert "千葉県茂原市町保1番地" in page.locator("#f-address").input_value()
    assert page.locator(".prefill-mark--locked").first.inner_text() == "マイナンバーカードから"
    check(page, "step 1")
    page.fill("#f-email", "taro@example.jp")  # the card carries no e-mail address
    page.fill("#f-name-family_kana", "ﾀｶﾊｼ")  # half-width: normalised, not refused
    click(page, page.locator(f"{FORM} .form-actions button[value=next]"))

    # Step 2: a mistake first (400, input kept, error summary), then right.
    page.fill("#f-copies", "たくさん")
    response = click(page, page.locator(f"{FORM} .form-actions button[value=next]"))
    assert response.status == 400
    assert page.locator("#f-copies").input_value() == "たくさん"
    assert page.locator("#f-copies").get_attribute("aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#f-copies']").count() == 1
    check(page, "step 2 with an error")
    page.fill("#f-copies", "2")
    page.locator("label", has_text="本人").first.click()
    click(page, page.locator(f"{FORM} .form-actions button[value=next]"))

    assert "/review/" in page.url
    assert "昭和55年4月1日" in page.locator("main").inner_text()
    check(page, "review")
    click(page, page.locator("button", has_text="申請する"))

    number = page.locator("#receipt-number").inner_text().strip()
    assert RECEIPT.match(number), number
    check(page, "receipt")
    pdf_href = page.locator("a", has_text="受付票をPDFで開く").get_attribute("href")
    pdf = page.context.request.get(site.url(pdf_href))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    click(page, page.locator("a", has_text="申請の状況を見る"))
    main = page.locator("main").inner_text()
    assert number in main and "申請済" in main
    check(page, "/my/")
    return number
