"""Navigator pages reflow at 320px and at 200% zoom, and every choice is a 44px target."""

from __future__ import annotations

from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.navigator.tests.browser.helpers import FORM, submit, walk_to_plan  # noqa: E402
from mado.staff.tests.browser.test_reflow import SIZES, WIDTHS  # noqa: E402


def fits(page: Any, what: str) -> None:
    scroll_width, inner_width = page.evaluate(WIDTHS)
    assert scroll_width <= inner_width + 1, f"{what}: scrollWidth {scroll_width} > {inner_width}"


@pytest.mark.parametrize("size", list(SIZES))
def test_navigator_fits_without_horizontal_scrolling(navi: Any, new_context: Any,
                                                     size: str) -> None:
    page = new_context(**SIZES[size]).new_page()
    page.goto(navi.url("/navi/"))
    fits(page, "life events")
    page.goto(navi.url("/navi/moving_in/"))
    fits(page, "first step")
    page.fill(f"{FORM} input[name=children_ages]", "abc")
    submit(page)
    fits(page, "error state")
    page.fill(f"{FORM} input[name=children_ages]", "3, 7")
    walk_to_plan(page)
    fits(page, "plan")
    page.goto(navi.url(page.locator("a[href^='/navi/sheet/'][href$='/']").first
                       .get_attribute("href")))
    fits(page, "printable sheet")


def test_choices_are_large_targets_on_a_phone(navi: Any, new_context: Any) -> None:
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(navi.url("/navi/moving_in/?children_ages=3&members_65_plus=0&members_75_plus=0"))
    choices = page.locator(f"{FORM} label.choice")
    assert choices.count() >= 2
    for i in range(choices.count()):
        box = choices.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    for link in page.locator("main a.event-link, main .link-list a").all():
        assert link.bounding_box()["height"] >= 24
