"""apply/logic.js: show, require and compute update as the resident types, no round trip.

The server stays the authority (the no-JavaScript journey in test_journey.py
still passes); here the browser mirror is checked on the test form's request
step: 代理人 reveals 委任状 and marks it 必須, the fee follows the copies, and
axe still finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.apply.tests.browser.helpers import FORM, click  # noqa: E402
from mado.apply.tests.conftest import CODE  # noqa: E402
from mado.identity.services import DEMO_PIN  # noqa: E402


def _to_request_step(site: Any, page: Any) -> None:
    page.goto(site.url(f"/apply/{CODE}/"))
    click(page, page.locator("a", has_text="マイナンバーカードで本人確認する"))
    page.locator("label", has_text="髙橋 太郎(有効").click()
    page.fill("#pin", DEMO_PIN)
    click(page, page.locator("button", has_text="カードで署名して確認する"))
    click(page, page.locator("button", has_text="申請をはじめる"))
    page.fill("#f-email", "taro@example.jp")
    page.fill("#f-name-family_kana", "タカハシ")
    click(page, page.locator(f"{FORM} .form-actions button[value=next]"))
    assert page.url.endswith("/request/"), page.url


def test_proxy_reveals_the_letter_and_fee_follows_copies(apply_site: Any, page: Any,
                                                         axe: Callable[[Any], None]) -> None:
    _to_request_step(apply_site, page)
    wrapper = page.locator("[data-field=proxy_doc]")
    assert wrapper.get_attribute("hidden") is not None  # rendered hidden by the server
    assert page.locator("#form-logic").get_attribute("type") == "application/json"
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    axe(page)

    page.locator("label", has_text="代理人").click()
    assert wrapper.is_visible()
    assert wrapper.evaluate("el => el.disabled") is False
    assert wrapper.locator(".req").inner_text() == "必須"
    page.fill("#f-copies", "3")
    assert page.locator("output[data-compute=fee_total]").inner_text() == "900円"
    page.fill("#f-copies", "３０")  # out of range (max 10): unknown, as on the server
    assert page.locator("output[data-compute=fee_total]").inner_text() == "—"
    page.fill("#f-copies", "２")  # full-width digits count, as on the server
    assert page.locator("output[data-compute=fee_total]").inner_text() == "600円"
    assert requests == [], requests  # no round trip
    axe(page)

    page.locator("label", has_text="本人").first.click()
    assert not wrapper.is_visible()
    assert wrapper.evaluate("el => el.disabled") is True  # nothing hidden is submitted
    assert wrapper.locator(".req").count() == 0
    axe(page)

    # The server agrees: without the letter, 代理人 is refused on submit (400, message).
    page.locator("label", has_text="代理人").click()
    response = click(page, page.locator(f"{FORM} .form-actions button[value=next]"))
    assert response.status == 400
    assert page.locator(".error-summary a[href='#f-proxy_doc']").count() == 1
    assert page.locator("[data-field=proxy_doc]").is_visible()
    axe(page)


def test_hidden_fields_stay_hidden_without_javascript(apply_site: Any, new_context: Any) -> None:
    page = new_context(java_script_enabled=False).new_page()
    _to_request_step(apply_site, page)
    assert not page.locator("[data-field=proxy_doc]").is_visible()
    assert page.locator("#f-proxy_doc").count() == 0  # inert <template>: not in the form
    page.fill("#f-copies", "2")
    page.locator("label", has_text="代理人").click()
    response = click(page, page.locator(f"{FORM} .form-actions button[value=next]"))
    assert response.status == 400  # the server decided: the letter is now required
    assert page.locator("[data-field=proxy_doc]").is_visible()
    assert page.locator("output[data-compute=fee_total]").inner_text() == "600円"
