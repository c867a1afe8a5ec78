"""A family of four moving within the city, at the counter, by keyboard alone, in ≤ 10 actions.

An *action* is one thing the clerk does: typing into a field, choosing in a
select, ticking a box, or pressing Enter/Space on a control. Focus is moved
with ``focus()`` (as Tab would), never with the mouse; every activation is a
key press. Each page is checked with axe on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.submissions.models import Submission  # noqa: E402

MAX_ACTIONS = 10


class Clerk:
    def __init__(self, page: Any) -> None:
        self.page, self.actions = page, 0

    def type(self, selector: str, text: str) -> None:
        self.page.focus(selector)
        self.page.keyboard.type(text)
        self.actions += 1

    def choose(self, selector: str, value: str) -> None:
        self.page.focus(selector)
        self.page.select_option(selector, value)  # the keyboard's arrow keys on a focused select
        self.actions += 1

    def press(self, selector: str, key: str = "Enter", *, navigates: bool = True) -> None:
        self.page.focus(selector)
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)
        self.actions += 1


def test_family_move_from_search_to_receipts_by_keyboard(
    counter_site: Any, page: Any, axe: Callable[[Any], None]
) -> None:
    world = counter_site.world
    counter_site.sign_in(page.context, world["madoguchi"])
    page.goto(counter_site.url("/staff/counter/"))
    axe(page)
    clerk = Clerk(page)
    clerk.type("#id_q", "たかはし たろう")
    clerk.choose("#id_life_event", "moving_within")
    clerk.press("#id_q")  # Enter in the search field
    axe(page)
    clerk.press("button.counter-start")  # the only match: 髙橋 太郎
    assert "手続の確認" in page.title()
    axe(page)
    clerk.type("#id_new_address", "千葉県サンプル市新町2丁目3番4号")
    clerk.type("#id_move_date", "令和8年4月1日")
    clerk.press("#id_move_date")  # Enter: the form's first button, 「様式を作成」
    assert page.url.endswith("/forms/"), page.url
    axe(page)
    assert "ご本人の記入 0 項目" in page.inner_text(".counter-counts")
    clerk.press("#id_attested", " ", navigates=False)  # Space ticks the attestation
    assert page.is_checked("#id_attested")
    clerk.press("button.counter-confirm")
    assert "受付が完了しました" in page.inner_text("h1")
    axe(page)
    assert clerk.actions <= MAX_ACTIONS, clerk.actions
    subs = list(Submission.unscoped.select_related("procedure__department"))
    assert len(subs) >= 6 and {s.channel for s in subs} == {"counter"}
    assert {"shimin", "hoken", "kosodate", "gakko"} <= {s.procedure.department.code for s in subs}
    assert len(page.locator(".receipt-number").all()) == len(subs)


def test_counter_start_and_previsit_pages_pass_axe_and_reflow(
    counter_site: Any, new_context: Callable[..., Any], axe: Callable[[Any], None]
) -> None:
    phone = new_context(viewport={"width": 320, "height": 640}).new_page()
    phone.goto(counter_site.url("/previsit/"))
    axe(phone)
    with phone.expect_navigation():
        phone.keyboard.press("Tab")
        phone.locator("button[type=submit]").last.press("Enter")
    axe(phone)
    phone.fill("#id_name", "髙橋 太郎")
    phone.fill("#id_name_kana", "タカハシ タロウ")
    phone.fill("#id_birth_date", "1980-04-01")
    phone.fill("#id_new_address", "千葉県サンプル市新町2丁目3番4号")
    with phone.expect_navigation():
        phone.locator("form button[type=submit]").last.press("Enter")
    assert phone.locator("svg").count() >= 1
    axe(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 320 + 1, width
    text = phone.locator("code.previsit-text").first.inner_text()
    # At the counter, the scanner types the code into the focused field and presses Enter.
    staff = new_context(viewport={"width": 1280, "height": 800}).new_page()
    counter_site.sign_in(staff.context, counter_site.world["madoguchi"])
    staff.goto(counter_site.url("/staff/counter/"))
    staff.focus("#id_code")
    staff.keyboard.type(text)
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    assert "手続の確認" in staff.title()
    assert staff.input_value("#id_new_address") == "千葉県サンプル市新町2丁目3番4号"
    axe(staff)
