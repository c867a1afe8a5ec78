"""With JavaScript switched off, a resident goes from the life event to the plan and the sheet.

The navigator is plain GET forms and links by design (docs/navigator.md); this
proves it, in a Chromium context with JavaScript disabled.
"""

from __future__ import annotations

from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.navigator.tests.browser.helpers import (  # noqa: E402
    EXPECTED,
    FORM,
    procedure_names,
    submit,
    walk_to_plan,
)


def test_whole_flow_without_javascript(navi: Any, new_context: Any) -> None:
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(navi.url("/navi/"))
    with page.expect_navigation():
        page.locator("a.event-link[href='/navi/moving_in/']").click()

    # A mistake first: the server answers 400 and keeps what was typed.
    page.fill(f"{FORM} input[name=children_ages]", "-3")
    assert submit(page).status == 400
    assert page.locator(f"{FORM} input[name=children_ages]").input_value() == "-3"

    asked = walk_to_plan(page)
    assert len(asked) <= 8, asked
    assert procedure_names(page) == EXPECTED
    assert "介護保険" not in page.locator("main").inner_text()

    with page.expect_navigation():
        page.locator("a[href^='/navi/sheet/'][href$='/']").first.click()
    assert "サンプル市 窓口案内シート" in page.locator("h1").inner_text()
    pdf_href = page.locator("a[href$='.pdf']").first.get_attribute("href")
    pdf = context.request.get(navi.url(pdf_href))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    # Back to the plan, change an answer (no dog), and the dog's procedure is gone.
    with page.expect_navigation():
        page.locator(".sheet-actions a", has_text="手続の一覧に戻る").click()
    with page.expect_navigation():
        page.locator("a", has_text="回答を変更する").first.click()
    page.locator(f"{FORM} input[name=dog_owner][value=no]").check()
    submit(page)
    assert "犬の登録（所在地変更）" not in procedure_names(page)
    assert "児童手当の認定請求" in procedure_names(page)
