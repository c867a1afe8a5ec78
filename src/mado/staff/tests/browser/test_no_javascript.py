"""With JavaScript switched off, signing in, searching and the 個人番号 reveal still work.

Counter PCs in some cities run locked-down browsers, and a strict CSP is
coming: the staff shell is plain HTML forms, and this proves it stays so.
"""

from __future__ import annotations

import re
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

PASSWORD = "pw-for-tests-only"


def submit(page: Any, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def test_sign_in_search_and_reveal_without_javascript(site: Any, new_context: Any) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(site.url("/staff/"))
    assert "/staff/login/" in page.url

    page.fill("input[name=username]", "madoguchi")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form")
    assert page.url == site.url("/staff/"), page.url

    page.fill("form[role=search] input[name=q]", "たかはし")
    submit(page, "form[role=search]")
    assert re.search(r"/staff/residents/\?q=", page.url), page.url
    names = page.locator("main table tbody th a").all_inner_texts()
    assert set(names) == {"髙橋\u3000太郎", "髙橋\u3000花子"}

    with page.expect_navigation():
        page.locator("main table tbody a", has_text="太郎").click()
    page.fill("textarea[name=reason], input[name=reason]", "児童手当の認定請求の審査のため")
    submit(page, "form[aria-labelledby='my-number-heading']")
    assert "123456789018" in page.locator("main").inner_text().replace(" ", "")

    page.select_option("#lang-select", "en")
    submit(page, "form.lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
