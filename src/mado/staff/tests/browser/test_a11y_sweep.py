"""Issue 8: axe (WCAG 2.2 A/AA) finds nothing on any resident page or counter screen, in ja and en.

The pages are walked by the tours of :mod:`sweep` (the same ones the reflow
sweep and the journey use): the navigator, the procedure search, the online
application in every state (errors, save, resume, review, receipt), the card
and e-mail sign-in with their refusals, /my/ signed out, unpaid, paid,
returned and decided, the correction and notice pages, the payment and
sandbox pages, the pre-visit pages, the 400/403/404/429 pages and the staff
counter screens. All violations of one run are reported together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.staff.tests.browser import sweep  # noqa: E402


@pytest.mark.parametrize("lang", sweep.LANGS)
def test_every_resident_page_passes_axe(site: Any, new_context: Callable[..., Any],
                                        settings: Any, tmp_path: Any, lang: str) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cards = sweep.prepare_resident_site(site)
    context = new_context(viewport={"width": 1280, "height": 800})
    sweep.use_language(context, site.base_url, lang)
    page = context.new_page()
    findings = sweep.Findings()
    check = sweep.axe_check(findings, lang)
    sweep.resident_tour(site, page, check, cards)
    sweep.decided_pages(site, page, check)
    sweep.error_pages(site, page, check, cards)
    findings.assert_none(sweep.RESIDENT_PAGES)


@pytest.mark.parametrize("lang", sweep.LANGS)
def test_previsit_and_counter_screens_pass_axe(site: Any, new_context: Callable[..., Any],
                                               lang: str) -> None:
    sweep.prepare_counter_site(site)
    context = new_context(viewport={"width": 1280, "height": 800})
    sweep.use_language(context, site.base_url, lang)
    page = context.new_page()
    findings = sweep.Findings()
    check = sweep.axe_check(findings, lang)
    code = sweep.previsit_tour(site, page, check)
    sweep.counter_tour(site, page, check, code)
    findings.assert_none(sweep.COUNTER_PAGES)
