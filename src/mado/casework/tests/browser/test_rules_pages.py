"""The 所属長 edits automatic review rules in a browser: list, a refused rule, fix, disable; axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.casework.models import ReviewRule  # noqa: E402


def _go(page: Any, locator: Any) -> Any:
    with page.expect_navigation() as nav:
        locator.click()
    return nav.value


def test_manager_adds_fixes_and_disables_a_rule(site: Any, cw: dict[str, Any], page: Any,
                                                axe: Callable[[Any], None]) -> None:
    site.sign_in(page.context, cw["kacho"])
    page.goto(site.url("/staff/cases/"))
    _go(page, page.get_by_role("link", name="自動審査ルール"))
    assert page.url.endswith("/staff/cases/rules/")
    axe(page)
    _go(page, page.get_by_role("link", name="ルールを追加する"))
    page.select_option("#r-procedure", str(cw["procedure"].pk))
    page.fill("#r-name", "所得の上限")
    page.fill("#r-expression", "ledger_income_thousand <= ")
    page.fill("#r-refer_reason", "所得が100千円を超えています")
    response = _go(page, page.get_by_role("button", name="保存する"))
    assert response.status == 400
    assert page.locator("#r-expression").input_value() == "ledger_income_thousand <="
    assert page.locator("#r-expression").get_attribute("aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#r-expression']").count() == 1
    axe(page)
    page.fill("#r-expression", "ledger_income_thousand <= 100")
    _go(page, page.get_by_role("button", name="保存する"))
    assert page.url.endswith("/staff/cases/rules/")
    rule = ReviewRule.unscoped.get(name="所得の上限")
    assert rule.active and rule.expression == "ledger_income_thousand <= 100"
    row = page.locator(f"#rule-{rule.pk}")
    _go(page, row.get_by_role("button", name="無効にする"))
    rule.refresh_from_db()
    assert not rule.active
    assert "無効" in page.locator(f"#rule-{rule.pk}").inner_text()
    axe(page)
    _go(page, page.get_by_role("link", name="所得の上限"))
    axe(page)
