"""Answering the navigator in a real browser, the way a resident would."""

from __future__ import annotations

from typing import Any

# The household of the issue: moving in from another prefecture, children 3 and 7,
# 国民健康保険, a dog. Typed the way people type on a Japanese keyboard.
MOVE_IN = {
    "children_ages": "３、７",
    "members_65_plus": "0",
    "members_75_plus": "0",
    "national_health_insurance": "yes",
    "dog_owner": "yes",
    "has_my_number_card": "yes",
    "seal_registered": "no",
}
EXPECTED = ["転入届", "マイナンバーカードの住所変更", "国民健康保険の加入", "児童手当の認定請求",
            "子ども医療費助成", "転入学（小学校・中学校）", "犬の登録（所在地変更）"]
FORM = "form.navi-form"


def question_names(page: Any) -> list[str]:
    """Names of the visible inputs of the current step, in page order (works without JS)."""
    inputs = page.locator(f"{FORM} input:not([type=hidden])")
    return [inputs.nth(i).get_attribute("name") for i in range(inputs.count())]


def answer_step(page: Any, answers: dict[str, str]) -> list[str]:
    """Fill in the current step by clicking and typing; returns the names it asked."""
    asked = list(dict.fromkeys(question_names(page)))
    for name in asked:
        value = answers[name]
        if page.locator(f"{FORM} input[type=radio][name={name}]").count():
            page.locator(f"{FORM} input[type=radio][name={name}][value={value}]").check()
        else:
            page.fill(f"{FORM} input[name={name}]", value)
    return asked


def submit(page: Any) -> Any:
    with page.expect_navigation() as nav:
        page.locator(f"{FORM} button[type=submit]").click()
    return nav.value


def walk_to_plan(page: Any, answers: dict[str, str] = MOVE_IN, max_steps: int = 8) -> list[str]:
    """From a question step to the plan page; returns every question asked."""
    asked: list[str] = []
    for _ in range(max_steps):
        if not page.locator(FORM).count():
            return asked
        asked += answer_step(page, answers)
        response = submit(page)
        assert response is not None and response.status == 200, response and response.status
    raise AssertionError(f"no plan after {max_steps} steps; asked {asked}")


def procedure_names(page: Any) -> list[str]:
    return page.locator("main li.procedure h3").all_inner_texts()
