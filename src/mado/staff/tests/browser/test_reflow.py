"""Pages reflow at phone width and at 200% zoom: no sideways scrolling (WCAG 1.4.10, 1.4.4).

200% zoom of a 1280 px wide window is emulated as a 640 CSS px viewport drawn at
deviceScaleFactor 2: that is what browser zoom does to layout (CSS pixels get
twice as large, so half as many fit, and media queries see 640 px). A
deviceScaleFactor alone would only sharpen the pixels without changing the
layout, and CSS ``zoom`` on <html> does not drive media queries the same way.
"""

from __future__ import annotations

from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

SIZES = {
    "phone-320px": {"viewport": {"width": 320, "height": 640}},
    "1280px-at-200pct-zoom": {"viewport": {"width": 640, "height": 360}, "device_scale_factor": 2},
}
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def within_width(page: Any, selector: str) -> None:
    """The element is visible and lies entirely inside the viewport's width."""
    locator = page.locator(selector).first
    assert locator.is_visible(), f"{selector} is not visible"
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
        f"{selector} at {box} does not fit in {width} px"
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_pages_fit_without_horizontal_scrolling(site: Any, new_context: Any, size: str) -> None:
    page = new_context(**SIZES[size]).new_page()
    too_wide = []
    for name in site.page_names:
        site.visit(page, name)
        scroll_width, inner_width = page.evaluate(WIDTHS)
        if scroll_width > inner_width + 1:
            too_wide.append(f"{name}: scrollWidth {scroll_width} > innerWidth {inner_width}")
    assert not too_wide, "horizontal scrolling at " + size + ":\n" + "\n".join(too_wide)

    site.visit(page, "resident_search")
    for selector in (
        "form[role=search] input[name=q]",
        "form[role=search] button[type=submit]",
        "#results-heading",
        "main .table-scroll",
        "main table tbody a",
    ):
        within_width(page, selector)
    assert page.locator("main table tbody a").count() == 2
