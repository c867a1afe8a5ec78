"""Done-when of issue 7 in a real browser: two-step approval, 差戻し, correction on /my/, decision.

The resident applies for a 住民票の写し with the demo card (the issue 4 journey),
a 市民課 reviewer accepts the case and sends it for approval; the 係長 approves
step 1, the 課長 returns it with a reason. The resident opens 「申請を訂正する」
on /my/, reads the reason, corrects the フリガナ and resubmits; the case goes
through both steps again (the first round's approval no longer counts), is
completed, and the decision notice reaches the resident on /my/ and by e-mail.
axe (WCAG 2.2 A/AA) runs on the staff inbox and case pages and on the
resident's /my/, correct and notice pages; the correct page also works without
JavaScript and at 320 px.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from django.core import mail  # noqa: E402

from mado.apply.tests.browser.helpers import click, journey  # noqa: E402
from mado.apply.tests.conftest import CODE, card_identity  # noqa: E402
from mado.casework.demo import seed_route  # noqa: E402
from mado.casework.models import Case  # noqa: E402
from mado.conftest import make_staff  # noqa: E402
from mado.identity.services import DEMO_PIN  # noqa: E402
from mado.procedures.models import Procedure  # noqa: E402
from mado.submissions.models import Status, Submission  # noqa: E402

REASON = "フリガナは戸籍の読み(タカハシ タロオ)で入力してください。"
CORRECT_KANA = "タカハシ タロオ"


def _staff(site: Any) -> dict[str, Any]:
    city, shimin = site.world["city"], site.world["shimin"]
    seed_route(Procedure.unscoped.get(municipality=city, code=CODE))
    return {"reviewer": make_staff(city, "shimin-shinsa", [(shimin, "reviewer")]),
            "kakaricho": make_staff(city, "shimin-kakaricho", [(shimin, "approver")]),
            "kacho": make_staff(city, "shimin-kacho", [(shimin, "manager")])}


def _as(site: Any, new_context: Any, user: Any) -> Any:
    context = new_context(viewport={"width": 1280, "height": 900})
    site.sign_in(context, user)
    return context.new_page()


def _case_page(site: Any, page: Any, case: Case) -> None:
    response = page.goto(site.url(f"/staff/cases/{case.pk}/"))
    assert response is not None and response.status == 200


def _press(page: Any, label: str) -> None:
    """Press an action button and land on the case page again (PRG) with the success message."""
    response = click(page, page.locator("main button", has_text=label).first)
    assert response.status == 200, response.status
    assert "処理しました" in page.locator("body").inner_text()


def _approve(site: Any, new_context: Any, user: Any, case: Case, step: str,
             axe: Callable[[Any], None]) -> None:
    page = _as(site, new_context, user)
    _case_page(site, page, case)
    assert step in page.locator(".approval-form h3").inner_text()
    axe(page)
    _press(page, "承認する")
    page.context.close()


def _kana(sub: Submission) -> str:
    return str(sub.data["name_kana"]).replace("\u3000", " ")


def _link(page: Any, text: str, number: str) -> Any:
    """The link named ``text`` whose visually hidden part is the receipt number.

    (Playwright's accessible-name matching leaves clipped text out, so the number
    is matched on the text content.)
    """
    return page.get_by_role("link", name=text).filter(has_text=f"（{number}）")


def _card_sign_in(page: Any, site: Any) -> None:
    """From /my/'s sign-in page with the demo card, as the apply journey does."""
    page.goto(site.url("/my/"))
    click(page, page.locator("main a", has_text="マイナンバーカードで本人確認する"))
    page.locator("label", has_text="髙橋 太郎(有効").click()
    page.fill("#pin", DEMO_PIN)
    click(page, page.locator("button", has_text="カードで署名して確認する"))
    assert page.url.endswith("/my/"), page.url


def test_return_correct_and_decide_with_axe(apply_site: Any, page: Any, new_context: Any,
                                            axe: Callable[[Any], None]) -> None:
    site = apply_site
    staff = _staff(site)
    number = journey(site, page, lambda _p, _name: None)  # resident on /my/, signed in by card
    case = Case.unscoped.get(submission__receipt_number=number)
    resident = page

    # Round 1: 受付 → 審査 → 決裁 (係長 approves, 課長 returns it).
    reviewer = _as(site, new_context, staff["reviewer"])
    reviewer.goto(site.url("/staff/cases/"))
    axe(reviewer)
    click(reviewer, reviewer.get_by_role("link", name=number))
    assert "/staff/cases/" in reviewer.url
    axe(reviewer)
    _press(reviewer, "受付する")
    _press(reviewer, "審査を始める")
    _press(reviewer, "決裁に回す")
    assert reviewer.locator("#approval-state").inner_text() == "決裁中"
    _approve(site, new_context, staff["kakaricho"], case, "係長決裁", axe)

    kacho = _as(site, new_context, staff["kacho"])
    _case_page(site, kacho, case)
    assert "課長決裁" in kacho.locator(".approval-form h3").inner_text()
    response = click(kacho, kacho.locator("button", has_text="差戻す"))
    assert response.status == 400  # no reason: refused, nothing lost
    axe(kacho)
    kacho.fill("#f-reason", REASON)
    _press(kacho, "差戻す")
    assert kacho.locator("#case-status").inner_text() == "差戻し"
    axe(kacho)

    # The resident corrects on /my/.
    resident.goto(site.url("/my/"))
    assert "差戻し" in resident.locator("main").inner_text()
    axe(resident)
    click(resident, _link(resident, "申請を訂正する", number))
    assert REASON in resident.locator("#return-reason").inner_text()
    axe(resident)
    resident.fill("#c-name_kana", "")
    response = click(resident, resident.locator("button", has_text="訂正して再提出する"))
    assert response.status == 400
    assert resident.locator(".error-summary a[href='#c-name_kana']").count() == 1
    axe(resident)
    resident.fill("#c-name_kana", CORRECT_KANA)
    click(resident, resident.locator("button", has_text="訂正して再提出する"))
    assert resident.url.endswith("/my/"), resident.url
    assert "訂正して再提出しました" in resident.locator("body").inner_text()
    sub = Submission.unscoped.get(pk=case.submission_id)
    assert sub.status == Status.SUBMITTED and _kana(sub) == CORRECT_KANA

    # Round 2: the case continues; both steps must approve again.
    _case_page(site, reviewer, case)
    assert reviewer.locator("#case-status").inner_text() == "申請済"
    _press(reviewer, "受付する")
    _press(reviewer, "審査を始める")
    _press(reviewer, "決裁に回す")
    _approve(site, new_context, staff["kakaricho"], case, "係長決裁", axe)
    _approve(site, new_context, staff["kacho"], case, "課長決裁", axe)
    _case_page(site, reviewer, case)
    assert reviewer.locator("#case-status").inner_text() == "決裁済"
    _press(reviewer, "決定通知を送って完了")
    assert reviewer.locator("#case-status").inner_text() == "完了"
    timeline = reviewer.locator("main").inner_text()
    assert timeline.count("課長決裁") >= 2 and REASON in timeline
    axe(reviewer)

    # The decision reaches the resident: /my/ and the e-mail outbox.
    resident.goto(site.url("/my/"))
    assert "完了" in resident.locator("main").inner_text()
    assert _link(resident, "申請を訂正する", number).count() == 0
    click(resident, _link(resident, "決定通知を見る", number))
    assert "/notice/" in resident.url and number in resident.locator("main").inner_text()
    axe(resident)
    href = resident.locator("main a", has_text="通知書をPDFで開く").get_attribute("href")
    pdf = resident.context.request.get(site.url(href))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    sent = [m for m in mail.outbox if f"/my/{case.submission_id}/notice/" in m.body]
    assert len(sent) == 1 and sent[0].to == ["taro@example.jp"] and number in sent[0].body


def test_correct_page_without_javascript_at_320px(apply_site: Any, new_context: Any) -> None:
    """Returned through the services; the resident corrects it by keyboard, no JS, 320 px."""
    from mado.casework import services as cw
    from mado.eforms.services import current_version
    from mado.submissions import services as subs

    site = apply_site
    staff = _staff(site)
    city, takahashi = site.world["city"], site.world["takahashi"]
    identity = card_identity(takahashi, city)
    version = current_version(city, "test-juminhyo")
    draft, _ = subs.create_draft(city, version.form.procedure, version, channel="web",
                                 identity=identity, resident=takahashi)
    sub = subs.submit(draft, {
        "name": {"family": "髙橋", "given": "太郎", "family_kana": "タカハシ",
                 "given_kana": "タロウ"},
        "name_kana": "タカハシ タロ", "birth_date": takahashi.birth_date.isoformat(),
        "address": takahashi.address, "email": "taro@example.jp", "copies": 1,
        "applicant_type": "self"}, identity=identity)
    case = cw.open_case(sub)
    cw.accept(case, by=staff["reviewer"])
    cw.start_review(case, by=staff["reviewer"])
    cw.return_for_correction(case, by=staff["reviewer"], reason=REASON)

    page = new_context(java_script_enabled=False, viewport={"width": 320, "height": 640}).new_page()
    _card_sign_in(page, site)
    link = _link(page, "申請を訂正する", sub.receipt_number)
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/my/{sub.pk}/correct/")
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 321
    page.fill("#c-name_kana", CORRECT_KANA)
    with page.expect_navigation():
        page.locator("#c-name_kana").press("Enter")  # keyboard: Enter submits the form
    assert page.url.endswith("/my/"), page.url
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 321
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED and _kana(sub) == CORRECT_KANA
