"""axe (WCAG 2.2 A/AA rules) finds nothing on any page, in Japanese and in English.

JIS X 8341-3 AA is a procurement requirement for municipal sites; axe catches
the machine-checkable part (names, labels, contrast, landmarks, lang) on the
real rendered page, after the language switch a person would use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

LANGUAGES = ["ja", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_axe_violations(
    site: Any, page: Any, axe: Callable[[Any], None], language: str
) -> None:
    # One context walks all pages (axe is injected once per page, not per test),
    # stopping at the first page with a violation so the screenshot shows it.
    for number, name in enumerate(site.page_names):
        site.visit(page, name)
        if number == 0 and language != "ja":
            site.switch_language(page, language)  # the cookie holds for the pages after
        assert page.locator("html").get_attribute("lang") == language, name
        axe(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_number_reveal_form_states_have_no_axe_violations(
    site: Any, page: Any, axe: Callable[[Any], None], language: str
) -> None:
    site.visit(page, "resident_detail")
    if language != "ja":
        site.switch_language(page, language)
    form = page.locator("form[aria-labelledby='my-number-heading']")
    reason = form.locator("textarea, input[name='reason']")

    # Sent without a reason: the error is shown, tied to the field, and announced.
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert reason.get_attribute("aria-invalid") == "true"
    assert "reason_error" in (reason.get_attribute("aria-describedby") or "")
    axe(page)

    # With a reason: the number is shown (and the form is gone).
    reason.fill("児童手当の認定請求の審査のため")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "123456789018" in page.locator("main").inner_text().replace(" ", "")
    assert form.count() == 0
    axe(page)
