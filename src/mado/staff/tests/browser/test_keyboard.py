"""Everything a clerk does daily works from the keyboard alone, with a visible focus.

WCAG 2.1.1 (keyboard), 2.4.1 (bypass blocks) and 2.4.7/2.4.11 (focus visible,
not obscured): the test signs in, searches and opens a record using only Tab,
typing and Enter — no clicks — and checks at every Tab stop that the focused
element draws a ring (outline or box-shadow from its computed style).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

PASSWORD = "pw-for-tests-only"
MAX_TABS = 40

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
    cls: el.getAttribute("class") || "", href: el.getAttribute("href") || "",
    text: (el.innerText || el.value || "").trim().slice(0, 40),
    outline: style.outlineStyle, outlineWidth: style.outlineWidth, shadow: style.boxShadow,
  };
}"""


def has_visible_focus(info: dict[str, str]) -> bool:
    outline = info["outline"] != "none" and info["outlineWidth"] not in ("0px", "")
    return outline or info["shadow"] != "none"


def tab(page: Any) -> dict[str, str]:
    """Press Tab once; the newly focused element must show where focus is."""
    page.keyboard.press("Tab")
    info = page.evaluate(FOCUSED)
    assert info["tag"] != "body", "Tab left the page's focus order"
    assert has_visible_focus(info), f"focus is not visible on {info}"
    return info


def tab_until(page: Any, wanted: Callable[[dict[str, str]], bool], what: str) -> dict[str, str]:
    seen = []
    for _ in range(MAX_TABS):
        info = tab(page)
        if wanted(info):
            return info
        seen.append(f"{info['tag']}#{info['id']}[{info['name']}] {info['text']!r}")
    raise AssertionError(f"{what} not reached in {MAX_TABS} Tab presses; passed: {seen}")


@pytest.mark.parametrize(
    "page_name", ["public_home", "staff_home", "resident_search", "resident_detail"]
)
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    site: Any, page: Any, page_name: str
) -> None:
    site.visit(page, page_name)
    first = tab(page)
    assert "skip-link" in first["cls"].split(), f"first Tab stop is {first}"
    assert first["href"] == "#main"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    if page_name != "public_home":  # (its main has nothing focusable yet)
        after = tab(page)
        assert page.evaluate("document.activeElement.closest('main') !== null"), after


def test_sign_in_search_and_open_a_record_with_the_keyboard_only(site: Any, page: Any) -> None:
    page.goto(site.url("/staff/"))
    assert re.search(r"/staff/login/\?next=", page.url)

    # The sign-in form does not autofocus: the path goes through the skip link.
    skip = tab(page)
    assert "skip-link" in skip["cls"].split(), f"first Tab stop is {skip}"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert tab(page)["name"] == "username"
    page.keyboard.type("madoguchi")
    assert tab(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url("/staff/"), page.url

    tab_until(page, lambda f: f["name"] == "q", "the search box")
    page.keyboard.type("たかはし")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/staff/residents/\?q=", page.url), page.url

    results = page.locator("main table tbody a")
    assert results.count() == 2
    first_href = results.first.get_attribute("href")
    tab_until(page, lambda f: f["href"] == first_href, "the first result link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url(first_href)
    assert "髙橋" in page.locator("h1").inner_text()
