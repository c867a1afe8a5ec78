"""The navigator from the keyboard alone: Tab, typing, Space, arrows and Enter, focus always visible.

Uses the staff suite's Tab helpers (each Tab stop must draw a focus ring).
"""

from __future__ import annotations

from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.navigator.tests.browser.helpers import EXPECTED, MOVE_IN, FORM, procedure_names  # noqa: E402,I001
from mado.staff.tests.browser.test_keyboard import tab_until  # noqa: E402


def test_keyboard_only_flow(navi: Any, page: Any) -> None:
    page.goto(navi.url("/navi/"))
    tab_until(page, lambda i: i["href"] == "/navi/moving_in/", "the 転入 link")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    for _step in range(8):
        if not page.locator(FORM).count():
            break
        inputs = page.locator(f"{FORM} input:not([type=hidden])")
        names = list(dict.fromkeys(inputs.nth(i).get_attribute("name")
                                   for i in range(inputs.count())))
        for name in names:
            tab_until(page, lambda i, n=name: i["name"] == n, name)
            value = MOVE_IN[name]
            if page.locator(f"{FORM} input[type=radio][name={name}]").count():
                # Focus lands on the first choice (はい); Space picks it, → moves to いいえ.
                page.keyboard.press("Space" if value == "yes" else "ArrowRight")
                checked = page.locator(f"{FORM} input[name={name}]:checked")
                assert checked.get_attribute("value") == value
            else:
                page.keyboard.type(value)
        tab_until(page, lambda i: i["tag"] == "button" and i["text"] == "次へ", "次へ")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert procedure_names(page) == EXPECTED

    tab_until(page, lambda i: i["href"].startswith("/navi/sheet/") and i["href"].endswith("/"),
              "the printable sheet link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("article.sheet").count() == 1
