"""Issue 8, item 1: one new user's whole journey, from the navigator to the decision on /my/.

A resident moving in asks the navigator (/navi/, 転入, the questions, the
plan), follows the plan's 「オンラインで申請」 to the 住民票の写し form, signs in
with the demo card, applies for two copies and pays 600円 by card on the
sandbox's hosted page. At the town hall the 市民課 reviewer signs in on
/staff/login/ by typing, finds the case in /staff/cases/, accepts it, starts
the review and sends it for approval; the 係長 (approver) signs in and approves
(決裁済); the reviewer sends the decision notice (完了). The resident then sees
完了 on /my/, opens the notice and its PDF. Every step goes through the pages,
never the services. A failing run leaves a screenshot (the shared fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.apply.tests.conftest import CODE  # noqa: E402
from mado.casework.demo import seed_route  # noqa: E402
from mado.conftest import make_staff  # noqa: E402
from mado.identity.services import DEMO_PIN  # noqa: E402
from mado.navigator.tests.browser.helpers import EXPECTED, procedure_names, walk_to_plan  # noqa: E402
from mado.procedures.models import Procedure  # noqa: E402
from mado.staff.tests.browser import sweep  # noqa: E402
from mado.staff.tests.browser.sweep import click  # noqa: E402

PASSWORD = "pw-for-tests-only"


def _staff_sign_in(site: Any, new_context: Callable[..., Any], username: str) -> Any:
    """A fresh browser at the counter PC: type the name and password on /staff/login/."""
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(site.url("/staff/cases/"))
    assert "/staff/login/" in page.url, page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    click(page, page.locator("main form button[type=submit]"))
    assert page.url.endswith("/staff/cases/"), page.url
    return page


def _act(page: Any, action: str) -> None:
    """Press one of the case page's action buttons; the page comes back with 処理しました."""
    response = click(page, page.locator(f"main button[name=action][value={action}]"))
    assert response.status == 200, (action, response.status, page.locator("main").inner_text())
    assert "処理しました" in page.locator("body").inner_text()


def test_navigator_to_application_payment_approval_and_decision(
    site: Any, new_context: Callable[..., Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cards = sweep.prepare_resident_site(site)
    city, shimin = site.world["city"], site.world["shimin"]
    seed_route(Procedure.unscoped.get(municipality=city, code=CODE),
               steps=[(1, "係長決裁", "approver")])
    make_staff(city, "shimin-shinsa", [(shimin, "reviewer")])
    make_staff(city, "shimin-kakaricho", [(shimin, "approver")])
    resident = new_context(viewport={"width": 1280, "height": 800}).new_page()

    # The navigator: a life event, the questions, the plan with the online link.
    resident.goto(site.url("/"))
    click(resident, resident.locator("main a[href^='/navi/']").first)
    click(resident, resident.locator("main a[href='/navi/moving_in/']"))
    walk_to_plan(resident)
    names = procedure_names(resident)
    assert set(EXPECTED) <= set(names) and "住民票の写しの交付" in names, names
    click(resident, resident.locator(f"main a[href='/apply/{CODE}/']"))

    # The online application with the demo card.
    click(resident, resident.locator("main a[href^='/id/card/']"))
    resident.check(f"#card-{cards['valid_card']}")
    resident.fill("#pin", DEMO_PIN)
    click(resident, resident.locator("main form button[type=submit]"))
    click(resident, resident.locator("main form button[type=submit]"))  # 申請をはじめる
    assert resident.locator("#f-name-family").input_value() == "髙橋"
    resident.fill("#f-email", "taro@example.jp")
    resident.fill("#f-name-family_kana", "タカハシ")
    click(resident, resident.locator(sweep.NEXT))
    resident.fill("#f-copies", "2")
    resident.locator(f"{sweep.APPLY_FORM} input[name$=applicant_type][value=self]").check()
    click(resident, resident.locator(sweep.NEXT))
    assert "/review/" in resident.url, resident.url
    click(resident, resident.locator("main .form-actions button[type=submit]"))
    number = resident.locator("#receipt-number").inner_text().strip()
    assert sweep.RECEIPT.match(number), number

    # The fee, by card on the sandbox's hosted page.
    assert "600円" in resident.locator("main").inner_text()
    sweep.pay(site, resident, lambda _page, _name: None, sweep.APPROVED_CARD)
    assert "お支払いが完了しました" in resident.locator("h1").inner_text()

    # The reviewer: inbox → case → 受付 → 審査 → 決裁に回す.
    reviewer = _staff_sign_in(site, new_context, "shimin-shinsa")
    click(reviewer, reviewer.get_by_role("link", name=number))
    assert "納付済" in reviewer.locator("#case-payment").inner_text()
    _act(reviewer, "accept")
    _act(reviewer, "start_review")
    assert reviewer.locator("#case-status").inner_text() == "審査中"
    _act(reviewer, "submit_approval")
    assert reviewer.locator("main button[value=approve]").count() == 0  # not the reviewer's

    # The 係長 approves the route's only step: 決裁済.
    approver = _staff_sign_in(site, new_context, "shimin-kakaricho")
    click(approver, approver.get_by_role("link", name=number))
    assert "係長決裁" in approver.locator(".approval-form h3").inner_text()
    _act(approver, "approve")
    assert approver.locator("#case-status").inner_text() == "決裁済"

    # The reviewer sends the decision notice: 完了.
    reviewer.reload()
    _act(reviewer, "complete")
    assert reviewer.locator("#case-status").inner_text() == "完了"

    # The resident sees the decision and the notice on /my/.
    resident.goto(site.url("/my/"))
    main = resident.locator("main").inner_text()
    assert number in main and "完了" in main and "納付済" in main, main
    click(resident, resident.locator("main a[href$='/notice/']"))
    notice = resident.locator("main").inner_text()
    assert number in notice and "決定" in notice, notice
    pdf = resident.locator("main a[href$='.pdf']").first.get_attribute("href")
    response = resident.context.request.get(site.url(pdf))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
