"""Tours of every resident page and of the counter screens, for the issue 8 sweeps.

Why one module of tours: the accessibility (axe), reflow (320 px, 200 % zoom)
and end-to-end tests must look at the *same* pages in the *same* states —
the navigator's question, error and plan pages, each step of the online
application with its error state, save and resume, the receipt, /my/ signed
out and in, the payment and sandbox pages, the decision notice and the
correction page, the pre-visit pages, the 400/403/404/429 pages, and the
counter screens. A tour walks them like a resident (clicks, typing) and calls
``check(page, name)`` on each; the sweeps differ only in ``check``. The
selectors are ids, hrefs and button values, never visible text, so the same
tour runs in Japanese and in English.

The world it needs (catalogue, form, demo cards, staff) is made by
:func:`prepare_resident_site` and :func:`prepare_counter_site` from the
fixtures the apply, navigator and counter tests already use (imported, not
copied).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import mail
from django.test import override_settings

from mado.apply.tests.conftest import CODE, publish
from mado.navigator.tests.browser.helpers import FORM as NAVI_FORM
from mado.navigator.tests.browser.helpers import MOVE_IN, answer_step, walk_to_plan
from mado.navigator.tests.test_views import SMALL_CATALOGUE, proc

Check = Callable[[Any, str], None]
LANGS = ("ja", "en")
APPROVED_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
APPLY_FORM = "form.apply-form"
NEXT = f"{APPLY_FORM} .form-actions button[value=next]"
RECEIPT = re.compile(r"^[A-Z]\d{2}-\d{7}-\d$")
# Pages the tours check at least (resident: tour + decided + error pages; previsit + counter),
# so a tour that silently stops short fails.
RESIDENT_PAGES = 50
COUNTER_PAGES = 12

# The navigator's move-in catalogue, plus the online 住民票の写し of the apply tests: a
# resident moving in often needs one (car, school, bank), so the plan links to its form.
JOURNEY_CATALOGUE: dict[str, Any] = {
    **SMALL_CATALOGUE,
    "procedures": [*SMALL_CATALOGUE["procedures"], proc(
        CODE, "住民票の写しの交付", "shimin", 11, fee=300, fee_unit="per_copy",
        channels=["online", "counter", "mail"],
        default_reason="新しい住所の住民票が必要な手続のため",
        default_reason_en="Other procedures need a certificate with your new address")],
}


def click(page: Any, locator: Any) -> Any:
    """Click something that navigates; returns the navigation's response."""
    with page.expect_navigation() as nav:
        locator.click()
    return nav.value


def status_of(response: Any) -> int:
    assert response is not None
    return response.status


def use_language(context: Any, base_url: str, lang: str) -> None:
    """Choose the language with Django's cookie (what the header's language form sets)."""
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base_url}])


def prepare_resident_site(site: Any) -> dict[str, Any]:
    """サンプル市 with the journey catalogue, the published form and 髙橋 太郎's demo cards."""
    from mado.identity import services as identity
    from mado.identity.models import DemoCard
    from mado.procedures.catalogue import clear_cache
    from mado.procedures.services import import_catalogue

    clear_cache()
    city, takahashi = site.world["city"], site.world["takahashi"]
    report = import_catalogue(city, JOURNEY_CATALOGUE)
    assert report.ok, report.errors
    publish(city)
    identity.seed_demo_cards(city, [takahashi])
    cards = {c.kind: c for c in DemoCard.unscoped.filter(municipality=city)}
    return {"valid_card": cards["normal"].pk, "revoked_card": cards["revoked"].pk}


def prepare_counter_site(site: Any) -> None:
    """The counter's world: the standard catalogue, the counter forms and the family of four."""
    from mado.counter.tests.conftest import add_family, prepare_city

    prepare_city(site.world["city"])
    site.world = add_family(site.world)


# -- the resident tour ---------------------------------------------------------------------

def navigator(site: Any, page: Any, check: Check) -> None:
    """/ → /navi/ → a life event's questions (with an error) → the plan → the guide sheet."""
    page.goto(site.url("/"))
    check(page, "portal")
    page.goto(site.url("/navi/"))
    check(page, "navi home")
    click(page, page.locator("main a[href='/navi/moving_in/']"))
    check(page, "navi questions")
    answers = dict(MOVE_IN, children_ages="three")
    answer_step(page, answers)
    assert status_of(click(page, page.locator(f"{NAVI_FORM} button[type=submit]"))) == 400
    check(page, "navi question error (400)")
    walk_to_plan(page)
    assert page.locator(f"main a[href='/apply/{CODE}/']").count() == 1, "no online link in plan"
    check(page, "navi plan")


def sheet_and_search(site: Any, page: Any, check: Check) -> None:
    """The plan's printable sheet, the procedure search with and without results."""
    plan = page.url
    click(page, page.locator("main a[href^='/navi/sheet/']:not([href$='.pdf'])").first)
    check(page, "navi sheet")
    assert status_of(page.goto(site.url("/navi/sheet/not-a-token/"))) == 400
    check(page, "navi sheet 400")
    page.goto(site.url("/procedures/"))
    check(page, "procedures")
    page.goto(site.url("/procedures/?q=住民票"))
    assert page.locator(f"main a[href='/apply/{CODE}/']").count() >= 1
    check(page, "procedures results")
    page.goto(site.url("/procedures/?q=zzzzqqq"))
    check(page, "procedures no results")
    page.goto(plan)


def sign_in_with_card(site: Any, page: Any, check: Check, cards: dict[str, Any]) -> None:
    """From the form's intro to /id/card/ (a wrong PIN first), back to the intro signed in."""
    check(page, "apply intro (signed out)")
    click(page, page.locator("main a[href^='/id/card/']"))
    check(page, "id card")
    page.check(f"#card-{cards['valid_card']}")
    page.fill("#pin", "wrong-pin-0")
    assert status_of(click(page, page.locator("main form button[type=submit]"))) == 400
    check(page, "id card wrong PIN (400)")
    page.check(f"#card-{cards['valid_card']}")
    page.fill("#pin", "1234abcd")
    click(page, page.locator("main form button[type=submit]"))
    assert page.url.endswith(f"/apply/{CODE}/"), page.url
    check(page, "apply intro (signed in)")


def apply_steps(site: Any, page: Any, check: Check) -> str:
    """Both steps (with an error, save and resume), review, submit; returns the receipt number."""
    click(page, page.locator("main form button[type=submit]").first)  # 申請をはじめる
    check(page, "apply step 1")
    page.fill("#f-email", "taro@example.jp")
    page.fill("#f-name-family_kana", "ﾀｶﾊｼ")
    click(page, page.locator(NEXT))
    check(page, "apply step 2")
    page.fill("#f-copies", "たくさん")
    assert status_of(click(page, page.locator(NEXT))) == 400
    assert page.locator("#f-copies").input_value() == "たくさん"
    check(page, "apply step 2 error (400)")
    page.fill("#f-copies", "2")
    page.locator(f"{APPLY_FORM} input[name$=applicant_type][value=self]").check()
    click(page, page.locator(f"{APPLY_FORM} .form-actions button[value=save]"))
    assert "/save/" in page.url, page.url
    check(page, "apply save")
    page.fill("#save-email", "not-an-address")
    assert status_of(click(page, page.locator("main form button[type=submit]"))) == 400
    check(page, "apply save error (400)")
    page.fill("#save-email", "taro@example.jp")
    click(page, page.locator("main form button[type=submit]"))
    check(page, "apply saved")
    link = re.search(r"/apply/resume/[^/\s]+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(site.url(link.group(0)))
    check(page, "apply resumed step")
    while "/review/" not in page.url:
        if page.locator(f"{APPLY_FORM} input[name$=applicant_type][value=self]").count():
            page.locator(f"{APPLY_FORM} input[name$=applicant_type][value=self]").check()
            page.fill("#f-copies", "2")
        assert status_of(click(page, page.locator(NEXT))) == 200, page.url
    check(page, "apply review")
    click(page, page.locator("main .form-actions button[type=submit]"))  # 申請する
    number = page.locator("#receipt-number").inner_text().strip()
    assert RECEIPT.match(number), number
    check(page, "apply receipt")
    return number


def pay(site: Any, page: Any, check: Check, card: str) -> None:
    """From a page with the fee's /pay/ link through the sandbox's hosted page to /done/."""
    click(page, page.locator("main a[href^='/pay/']").first)
    check(page, "pay")
    click(page, page.locator("main form button[type=submit]").first)
    assert "/sandbox/pay/" in page.url, page.url
    check(page, "sandbox pay")
    page.locator("input[name=method][value=card]").check()
    page.fill("#f-card_number", "")
    assert status_of(click(page, page.locator("main button[value=pay]"))) == 400
    check(page, "sandbox pay error (400)")
    page.locator("input[name=method][value=card]").check()
    page.fill("#f-card_number", card)
    page.fill("#f-expiry", "12/39")
    page.fill("#f-cvc", "123")
    click(page, page.locator("main button[value=pay]"))
    assert "/done/" in page.url, page.url
    check(page, "pay done" if card == APPROVED_CARD else "pay declined")


def resident_tour(site: Any, page: Any, check: Check, cards: dict[str, Any]) -> str:
    """Every resident page up to a paid application; returns its receipt number."""
    navigator(site, page, check)
    sheet_and_search(site, page, check)
    page.goto(site.url("/my/"))
    check(page, "my (signed out)")
    page.goto(site.url("/id/"))
    check(page, "id index")
    page.goto(site.url("/id/email/"))
    check(page, "id email")
    page.fill("#email", "taro@example.jp")
    click(page, page.locator("main form button[type=submit]"))
    check(page, "id email sent")
    link = re.search(r"/id/email/[^/\s]+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(site.url(link.group(0)))
    check(page, "id email confirm")  # not confirmed: the application wants the card
    assert status_of(page.goto(site.url("/id/email/not-a-token/"))) == 400
    check(page, "id email link invalid (400)")
    page.goto(site.url("/id/card/"))
    page.check(f"#card-{cards['revoked_card']}")
    page.fill("#pin", "1234abcd")
    assert status_of(click(page, page.locator("main form button[type=submit]"))) == 403
    check(page, "id card revoked (403)")
    page.goto(site.url("/navi/moving_in/?" + "&".join(f"{k}={v}" for k, v in MOVE_IN.items())
                       + "&show=plan"))
    click(page, page.locator(f"main a[href='/apply/{CODE}/']"))
    sign_in_with_card(site, page, check, cards)
    number = apply_steps(site, page, check)
    pay(site, page, check, DECLINED_CARD)
    page.goto(site.url("/my/"))
    check(page, "my (signed in, unpaid)")
    pay(site, page, check, APPROVED_CARD)
    page.goto(site.url("/my/"))
    assert "/pay/" not in (page.locator("main").inner_html())
    check(page, "my (signed in, paid)")
    return number


def decided_pages(site: Any, page: Any, check: Check) -> None:
    """/my/ with a 差戻し (and its correction page), then with the decision and its notice.

    The staff side is driven through casework's services here; the end-to-end
    journey test drives it through the staff pages.
    """
    from mado.casework import approval
    from mado.casework import services as cw
    from mado.casework.models import Case
    from mado.conftest import make_staff

    city, shimin = site.world["city"], site.world["shimin"]
    staff = make_staff(city, "sweep-kakaricho", [(shimin, "approver")])
    cw.ensure_cases(city)
    case = Case.unscoped.get()
    cw.accept(case, by=staff)
    cw.start_review(case, by=staff)
    cw.return_for_correction(case, by=staff, reason="フリガナを確かめてください。")
    page.goto(site.url("/my/"))
    check(page, "my (returned)")
    click(page, page.locator(f"main a[href='/my/{case.submission_id}/correct/']"))
    check(page, "my correct")
    click(page, page.locator("main form button[type=submit]").last)
    case.refresh_from_db()
    cw.accept(case, by=staff)
    cw.start_review(case, by=staff)
    approval.approve_without_route(case, by=staff)
    cw.complete(case, by=staff)
    page.goto(site.url("/my/"))
    check(page, "my (completed)")
    click(page, page.locator(f"main a[href='/my/{case.submission_id}/notice/']"))
    check(page, "my notice")


def error_pages(site: Any, page: Any, check: Check, cards: dict[str, Any]) -> None:
    """The generic 400/403/404 pages, the apply 404 and the 429 of a resident endpoint."""
    assert status_of(page.goto(site.url("/no-such-page/"))) == 404
    check(page, "404")
    assert status_of(page.goto(site.url("/apply/no-such-form/"))) == 404
    check(page, "apply 404")
    assert status_of(page.goto(site.url("/apply/resume/not-a-token/"))) == 404
    check(page, "apply resume invalid (404)")
    assert status_of(page.goto(site.url("/pay/NO-SUCH-REF/"))) == 404
    check(page, "pay 404")
    many = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    assert status_of(page.goto(site.url(f"/procedures/?{many}"))) == 400
    check(page, "400")
    page.goto(site.url("/id/card/"))
    kept = [c for c in page.context.cookies() if c["name"] != settings.CSRF_COOKIE_NAME]
    page.context.clear_cookies()  # the CSRF cookie is gone (expired form): the resident's 403
    page.context.add_cookies(kept)
    assert status_of(click(page, page.locator("main form button[type=submit]"))) == 403
    check(page, "403 (CSRF)")
    page.goto(site.url("/id/card/"))
    page.check(f"#card-{cards['valid_card']}")
    page.fill("#pin", "1234abcd")
    with override_settings(MADO_RATE_LIMITS={**settings.MADO_RATE_LIMITS, "identity": (0, 60)}):
        assert status_of(click(page, page.locator("main form button[type=submit]"))) == 429
    check(page, "429")


# -- the counter -----------------------------------------------------------------------------

def previsit_tour(site: Any, page: Any, check: Check) -> list[str]:
    """/previsit/ (with its error), the form, the code page; returns the codes' texts."""
    page.goto(site.url("/previsit/"))
    check(page, "previsit")
    assert status_of(page.goto(site.url("/previsit/?life_event=nonsense"))) == 400
    check(page, "previsit error (400)")
    page.goto(site.url("/previsit/?life_event=moving_within"))
    check(page, "previsit form")
    page.fill("#id_name", "髙橋 太郎")
    page.fill("#id_name_kana", "タカハシ タロウ")
    page.fill("#id_birth_date", "1980-04-01")
    page.fill("#id_new_address", "千葉県サンプル市新町2丁目3番4号")
    click(page, page.locator("main form button[type=submit]").last)
    assert page.locator("svg").count() >= 1
    check(page, "previsit code")
    return page.locator("code.previsit-text").all_inner_texts()


def counter_tour(site: Any, page: Any, check: Check, previsit_codes: list[str] = ()) -> None:
    """The counter screens: start, refusals, a pre-visit code, search, plan, forms, receipts."""
    site.sign_in(page.context, site.world["madoguchi"])
    page.goto(site.url("/staff/counter/"))
    check(page, "counter home")
    page.fill("#id_pin", "0000")
    assert status_of(click(page, page.locator("form[action$='/card/'] button[type=submit]"))) == 400
    check(page, "counter card refused (400)")
    page.fill("#id_code", "not-a-previsit-code")
    assert status_of(click(page, page.locator("form[action$='/scan/'] button[type=submit]").first)) == 400
    check(page, "counter code refused (400)")
    for code in previsit_codes:  # a long pre-visit code comes in parts, scanned in any order
        page.fill("#id_code", code)
        click(page, page.locator("form[action$='/scan/'] button[type=submit]").first)
    if previsit_codes:
        assert page.locator("#id_new_address").input_value() == "千葉県サンプル市新町2丁目3番4号"
        check(page, "counter plan from a pre-visit code")
        page.goto(site.url("/staff/counter/"))
    page.fill("#id_q", "たかはし たろう")
    page.select_option("#id_life_event", "moving_within")
    click(page, page.locator("main form[method=get] button[type=submit]").first)
    check(page, "counter search results")
    click(page, page.locator("button.counter-start").first)
    check(page, "counter plan")
    page.fill("#id_new_address", "千葉県サンプル市新町2丁目3番4号")
    page.fill("#id_move_date", "令和8年4月1日")
    click(page, page.locator("button.counter-next"))
    assert page.url.endswith("/forms/"), page.url
    check(page, "counter forms")
    assert status_of(click(page, page.locator("button.counter-confirm"))) == 400
    check(page, "counter confirm without attestation (400)")
    page.check("#id_attested")
    response = click(page, page.locator("button.counter-confirm"))
    assert "/done/" in page.url, (page.url, status_of(response), page.locator("main").inner_text())
    check(page, "counter done")


# -- checks ----------------------------------------------------------------------------------

class Findings:
    """Collects what a check finds on every page, so one run reports all pages at once."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.problems: list[str] = []

    def add(self, name: str, page: Any, problem: str) -> None:
        self.problems.append(f"--- {name} ({page.url})\n{problem}")

    def assert_none(self, minimum_pages: int) -> None:
        assert len(self.pages) >= minimum_pages, f"only {len(self.pages)} pages: {self.pages}"
        assert not self.problems, "\n".join(self.problems)


def axe_check(findings: Findings, lang: str) -> Check:
    """axe with the WCAG 2.2 A/AA tags on the page as it is, and the page's language."""
    from axe_playwright_python.sync_playwright import Axe

    from mado.staff.tests.browser.conftest import AXE_TAGS

    axe = Axe()

    def check(page: Any, name: str) -> None:
        findings.pages.append(name)
        if page.locator("html").get_attribute("lang") != lang:
            findings.add(name, page, f"html lang is not {lang!r}")
        # Only violations come back: serialising the passes of every rule doubles the time.
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                        "resultTypes": ["violations"]})
        if result.violations_count:
            findings.add(name, page, result.generate_report())

    return check


# Whether the page scrolls sideways, and which primary controls are hidden or cut off.
_REFLOW = """() => {
  const width = window.innerWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) {
    out.push(`scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
  }
  const controls = document.querySelectorAll(
    "main button:not([hidden]):not([type=hidden]), main a.button, main input:not([type=hidden]),"
    + " main select, main textarea");
  for (const el of controls) {
    if (el.closest("[hidden]") || getComputedStyle(el).visibility === "hidden") { continue; }
    const box = el.getBoundingClientRect();
    const label = `${el.tagName.toLowerCase()}#${el.id}[${el.getAttribute("name") || ""}]`
      + ` ${(el.innerText || el.value || "").trim().slice(0, 30)}`;
    if (box.width === 0 || box.height === 0) {
      if (el.type !== "radio" && el.type !== "checkbox" && el.type !== "file") {
        out.push(`${label}: not displayed`);
      }
    } else if (el.closest(".table-scroll[tabindex='0']")) {
      continue;  // a data table scrolls in its own focusable region (the 1.4.10 exception)
    } else if (box.left < -1 || box.right > width + 1) {
      out.push(`${label}: ${Math.round(box.left)}..${Math.round(box.right)} outside 0..${width}`);
    }
  }
  return out;
}"""


# The widths of the reflow sweep: WCAG 1.4.10's 320 CSS px, and 1280 px zoomed to 200 % (640 CSS
# px: with device_scale_factor=2 the layout is exactly the zoomed one; see docs/testing.md).
REFLOW_SIZES = ({"width": 320, "height": 640}, {"width": 640, "height": 360})


def reflow_check(findings: Findings) -> Check:
    """At each width of REFLOW_SIZES: no horizontal scrolling; controls displayed, within the width.

    The page is resized in place (no reload, so a page that answers a POST is
    checked as it is) and left at the first size, where the tour goes on.
    Controls in a data table's own scrolling region (``.table-scroll``, focusable,
    labelled) may lie beyond the width: WCAG 1.4.10 exempts data tables, and the
    region scrolls by keyboard.
    """

    def check(page: Any, name: str) -> None:
        findings.pages.append(name)
        for size in (*REFLOW_SIZES[1:], REFLOW_SIZES[0]):
            page.set_viewport_size(size)
            problems = page.evaluate(_REFLOW)
            if problems:
                findings.add(f"{name} at {size['width']} px", page, "\n".join(problems))

    return check
