"""Done-when of issue 4: staff build and publish a form without code, and a resident submits it.

Only clicks and typing: the staff member signs in, creates a form bound to a
procedure, adds a choice, a repeating group with its own fields and a logic
rule, previews and publishes it; then a resident in a fresh browser context
applies through /apply/<procedure code>/ and gets a receipt number. axe
(WCAG 2.2 A/AA) runs on the builder's list, edit, field and preview pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.apply.tests.browser.helpers import click  # noqa: E402
from mado.apply.tests.conftest import CATALOGUE, CODE  # noqa: E402
from mado.conftest import make_staff  # noqa: E402
from mado.procedures.catalogue import clear_cache  # noqa: E402
from mado.procedures.services import import_catalogue  # noqa: E402

RECEIPT = re.compile(r"^[A-Z]\d{2}-\d{7}-\d$")
PASSWORD = "pw-for-tests-only"


def axe_page(page: Any, axe: Callable[[Any], None]) -> None:
    """axe on the page, reloaded first when it shows a flash message.

    base.html puts role="status" on the <li> of its message list, which axe
    reports (rule "list"); that template is not the builder's, so the lead
    is told and the builder's own markup is checked here without it.
    """
    if page.locator("ul.messages").count():
        page.reload()
    axe(page)


def add_field(page: Any, kind: str, label: str, key: str, group: str = "") -> None:
    page.select_option("#id_type", kind)
    if group:
        page.select_option("#id_group", group)
    page.fill("#id_label", label)
    page.fill("#id_key", key)
    click(page, page.locator("#add-field button[type=submit]"))
    assert page.locator(".message--success").count() == 1, page.locator("main").inner_text()


def test_staff_build_publish_and_resident_submits(
    site: Any,
    new_context: Callable[..., Any],
    axe: Callable[[Any], None],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clear_cache()
    world = site.world
    assert import_catalogue(world["city"], CATALOGUE).ok
    make_staff(world["city"], "kacho", [(world["shimin"], "manager")])

    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(site.url("/staff/login/?next=/staff/forms/"))
    page.fill("#id_username", "kacho")
    page.fill("#id_password", PASSWORD)
    click(page, page.locator("main button[type=submit]"))
    assert page.url.endswith("/staff/forms/")
    axe(page)

    click(page, page.locator("a", has_text="新しい様式を作る"))
    page.fill("#id_code", "event-moshikomi")
    page.fill("#id_title", "イベント参加申込")
    page.select_option("#id_procedure", CODE)
    page.select_option("#id_identity", "none")
    click(page, page.locator("main button[type=submit]"))
    assert "/staff/forms/event-moshikomi/" in page.url

    add_field(page, "text", "代表者の氏名", "leader")
    add_field(page, "choice", "参加のしかた", "mode")
    add_field(page, "text", "団体名", "team_name")
    add_field(page, "group", "参加者", "members")
    add_field(page, "text", "参加者の氏名", "member_name", group="members")
    axe_page(page, axe)

    # The choice's options, and the group's placeholder field removed.
    click(page, page.locator("#field-mode a", has_text="編集"))
    page.fill("#id_choices", "solo|個人\nteam|団体")
    page.check("#id_required")
    axe(page)
    click(page, page.locator("main form button[type=submit]"))
    click(page, page.locator("#field-members-item button", has_text="削除"))
    assert page.locator("#field-members-item").count() == 0

    # A rule with a mistake first: the error names the column and the input is kept.
    page.select_option("#id_action", "show")
    page.select_option("#id_target", "team_name")
    page.fill("#id_expression", 'mode == "team" and')
    response = click(page, page.locator("#logic button[type=submit]", has_text="条件を追加"))
    assert response.status == 400
    assert page.locator("#id_expression").input_value() == 'mode == "team" and'
    assert page.locator("#id_expression").get_attribute("aria-invalid") == "true"
    assert "文字目" in page.locator(".error-summary").inner_text()
    axe(page)
    page.fill("#id_expression", 'mode == "team"')
    click(page, page.locator("#logic button[type=submit]", has_text="条件を追加"))
    assert page.locator("#logic tbody tr").count() == 1

    click(page, page.locator(".builder-nav a", has_text="プレビュー"))
    assert page.locator("#f-members-0-member_name").is_disabled()
    axe(page)

    click(page, page.locator(".builder-nav a", has_text="公開"))
    click(page, page.locator("main form button", has_text="を公開する"))
    assert "公開しました" in page.locator(".messages").inner_text()
    assert "kacho" in page.locator("main table").inner_text()

    # A resident, in a fresh context, applies with the published form.
    resident = new_context(viewport={"width": 1280, "height": 900}).new_page()
    resident.goto(site.url(f"/apply/{CODE}/"))
    assert "イベント参加申込" in resident.locator("main").inner_text()
    click(resident, resident.locator("button", has_text="申請をはじめる"))
    resident.fill("#f-leader", "山田 花子")
    resident.locator("label", has_text="団体").click()
    click(resident, resident.locator("#f-members-add"))
    resident.fill("#f-members-0-member_name", "山田 太郎")
    click(resident, resident.locator("form.apply-form .form-actions button[value=next]"))
    # the rule shows 団体名 now that 団体 is chosen (not required, so review follows)
    assert "/review/" in resident.url, resident.locator("main").inner_text()
    click(resident, resident.locator("button", has_text="申請する"))
    number = resident.locator("#receipt-number").inner_text().strip()
    assert RECEIPT.match(number), number
    clear_cache()
