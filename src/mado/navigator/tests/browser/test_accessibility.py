"""axe (WCAG 2.2 A/AA) finds nothing on any navigator page or state, in Japanese and English.

The pages a resident passes through: the life events, a question step, a step
with errors (400), the plan, the printable sheet, and the 404/400 pages of an
unknown life event and a tampered sheet address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.navigator.tests.browser.helpers import FORM, submit, walk_to_plan  # noqa: E402


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_navigator_state_has_no_axe_violations(
    navi: Any, page: Any, axe: Callable[[Any], None], language: str
) -> None:
    page.goto(navi.url("/navi/"))
    if language != "ja":
        navi.switch_language(page, language)
    assert page.locator("html").get_attribute("lang") == language
    axe(page)

    with page.expect_navigation():
        page.locator("a.event-link[href='/navi/moving_in/']").click()
    assert page.locator(FORM).count() == 1
    axe(page)

    # An error state: ages that are not numbers, and a yes/no left unanswered.
    page.fill(f"{FORM} input[name=children_ages]", "abc")
    response = submit(page)
    assert response.status == 400
    ages = page.locator(f"{FORM} input[name=children_ages]")
    assert ages.get_attribute("aria-invalid") == "true"
    assert ages.input_value() == "abc"
    assert page.locator(".error-summary[role=alert]").count() == 1
    assert page.locator("fieldset[aria-invalid=true]").count() >= 1
    axe(page)

    page.fill(f"{FORM} input[name=children_ages]", "3, 7")
    walk_to_plan(page)
    assert page.locator("main li.procedure").count() == 7
    axe(page)

    with page.expect_navigation():
        page.locator("a[href^='/navi/sheet/'][href$='/']").first.click()
    assert page.locator("article.sheet").count() == 1
    axe(page)

    for path, status in (("/navi/no-such-event/", 404), ("/navi/sheet/forged:token/", 400)):
        response = page.goto(navi.url(path))
        assert response.status == status
        assert page.locator("html").get_attribute("lang") == language
        axe(page)
