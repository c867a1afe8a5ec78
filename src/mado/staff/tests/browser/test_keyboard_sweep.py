"""Issue 8 / WCAG 2.1.1, 2.4.1, 2.4.7: the resident's main journey by keyboard alone.

From the online form's intro to a paid application on /my/: sign in with the
demo card, both steps, review, submit, pay on the sandbox's hosted page —
using only Tab / Shift+Tab to move, typing into fields, Space or arrows for
radio buttons, and Enter to follow links and press buttons. Never a click,
never ``focus()``. On every page the first Tab stop is the skip link, and at
every Tab stop the focused element draws a ring (its computed outline or
box-shadow is not none), checked with the staff keyboard test's own helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.apply.tests.conftest import CODE  # noqa: E402
from mado.identity.services import DEMO_PIN  # noqa: E402
from mado.staff.tests.browser import sweep  # noqa: E402
from mado.staff.tests.browser.test_keyboard import FOCUSED, has_visible_focus  # noqa: E402

MAX_TABS = 80  # a bound: a control Tab cannot reach fails instead of looping

# Where the target is from the focused element: here, after it or before it (document order).
_WHERE = """(selector) => {
  const target = document.querySelector(selector);
  if (!target) { return "missing"; }
  const active = document.activeElement;
  if (active === target) { return "here"; }
  if (!active || active === document.body || active.id === "main") { return "after"; }
  return active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING
    ? "after" : "before";
}"""


class Keyboard:
    """Moves through a page with real key presses, checking the focus ring at every stop."""

    def __init__(self, page: Any) -> None:
        self.page, self.presses, self.pages = page, 0, 0

    def key(self, key: str) -> dict[str, str]:
        self.page.keyboard.press(key)
        self.presses += 1
        info = self.page.evaluate(FOCUSED)
        if key in ("Tab", "Shift+Tab") or key.startswith("Arrow"):
            assert info["tag"] != "body", f"{key} left the focus order on {self.page.url}"
            assert has_visible_focus(info), f"focus is not visible on {info} ({self.page.url})"
        return info

    def arrived(self) -> None:
        """A new page: its first Tab stop is the skip link (WCAG 2.4.1)."""
        self.pages += 1
        first = self.key("Tab")
        assert "skip-link" in first["cls"].split(), f"first Tab stop on {self.page.url}: {first}"

    def tab_to(self, selector: str) -> None:
        for _ in range(MAX_TABS):
            where = self.page.evaluate(_WHERE, selector)
            assert where != "missing", f"{selector} not on {self.page.url}"
            if where == "here":
                return
            self.key("Tab" if where == "after" else "Shift+Tab")
        raise AssertionError(f"{selector} is not reachable with Tab on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def radio(self, name: str, value: str) -> None:
        """Tab into the radio group, then arrows (Space on the first) until ``value`` is checked."""
        group = f"input[type=radio][name$='{name}']"
        target = f"{group}[value='{value}']"
        for _ in range(MAX_TABS):  # Tab enters the group at its checked (or first) radio
            if self.page.evaluate("(g) => document.activeElement.matches(g)", group):
                break
            self.tab_to(f"{group}:checked" if self.page.locator(f"{group}:checked").count()
                        else group)
        for _ in range(self.page.locator(group).count() + 1):
            if self.page.evaluate("(s) => document.activeElement.matches(s)", target):
                break
            self.key("ArrowDown")
        self.key(" ")
        assert self.page.is_checked(target), target

    def enter(self) -> Any:
        """Press Enter where the focus is and wait for the next page; returns its response."""
        with self.page.expect_navigation() as nav:
            self.page.keyboard.press("Enter")
        self.presses += 1
        self.arrived()
        return nav.value

    def enter_on(self, selector: str) -> Any:
        """Tab to a link or button and press Enter; returns the navigation's response."""
        self.tab_to(selector)
        return self.enter()


def test_apply_with_card_and_pay_by_keyboard_only(site: Any, new_context: Callable[..., Any],
                                                  settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cards = sweep.prepare_resident_site(site)
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    keys = Keyboard(page)
    page.goto(site.url(f"/apply/{CODE}/"))
    keys.arrived()

    keys.enter_on("main a[href^='/id/card/']")
    keys.radio("card", str(cards["valid_card"]))
    keys.type_into("#pin", DEMO_PIN)
    keys.enter()  # Enter in the PIN field signs with the card
    assert page.url.endswith(f"/apply/{CODE}/"), page.url

    keys.enter_on("main form button[type=submit]")  # 申請をはじめる
    assert page.locator("#f-name-family").input_value() == "髙橋"
    keys.type_into("#f-email", "taro@example.jp")
    keys.type_into("#f-name-family_kana", "ﾀｶﾊｼ")
    keys.enter()  # implicit submission: the form's first (hidden) button is 次へ
    assert "/request/" in page.url, page.url

    keys.radio("applicant_type", "self")
    keys.enter_on(f"{sweep.NEXT}:not([hidden])")
    assert "/review/" in page.url, page.url
    keys.enter_on("main .form-actions button[type=submit]")  # 申請する
    number = page.locator("#receipt-number").inner_text().strip()
    assert sweep.RECEIPT.match(number), number

    keys.enter_on("main a[href^='/pay/']")
    keys.enter_on("main form button[type=submit]")
    assert "/sandbox/pay/" in page.url, page.url
    keys.radio("method", "card")
    keys.type_into("#f-card_number", sweep.APPROVED_CARD)
    keys.type_into("#f-expiry", "12/39")
    keys.type_into("#f-cvc", "123")
    keys.enter_on("main button[value=pay]")
    assert "/done/" in page.url, page.url
    keys.enter_on("main a[href='/my/']")
    main = page.locator("main").inner_text()
    assert number in main and "申請済" in main and "納付済" in main, main
    assert keys.pages >= 9 and keys.presses > 20
