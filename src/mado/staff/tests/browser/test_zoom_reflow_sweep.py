"""Issue 8 / WCAG 1.4.10 and 1.4.4: every resident page at 320 px and at 200 % zoom keeps its content.

200 % zoom of a 1280 px window is emulated as docs/testing.md explains: a
640 CSS px viewport at ``device_scale_factor=2`` (media queries see 640 px).
320 px is the reflow width of WCAG 1.4.10. One tour per site runs at 320 px,
and on each page the check resizes the viewport to 640 px and back (no reload),
so both widths see every page in the same state at half the cost. On every page of the resident tour
(:mod:`sweep`) and the pre-visit and counter screens: no horizontal scrolling,
and every control in ``main`` (the primary buttons included) is displayed and
lies within the width, so it can be reached and used. The tours themselves
click and type through the pages at that size, which proves the function is
there too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mado.staff.tests.browser import skip_module_without_browser

skip_module_without_browser()

from mado.staff.tests.browser import sweep  # noqa: E402


def _phone(new_context: Callable[..., Any]) -> Any:
    """A page at 320 CSS px with device pixels doubled; the check also resizes it to 640."""
    page = new_context(viewport=sweep.REFLOW_SIZES[0], device_scale_factor=2).new_page()
    assert page.evaluate("[window.innerWidth, window.devicePixelRatio]") == [320, 2]
    return page


def test_resident_pages_reflow(site: Any, new_context: Callable[..., Any], settings: Any,
                               tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cards = sweep.prepare_resident_site(site)
    page = _phone(new_context)
    findings = sweep.Findings()
    check = sweep.reflow_check(findings)
    sweep.resident_tour(site, page, check, cards)
    sweep.decided_pages(site, page, check)
    sweep.error_pages(site, page, check, cards)
    findings.assert_none(sweep.RESIDENT_PAGES)


def test_previsit_and_counter_screens_reflow(site: Any, new_context: Callable[..., Any]) -> None:
    sweep.prepare_counter_site(site)
    page = _phone(new_context)
    findings = sweep.Findings()
    check = sweep.reflow_check(findings)
    code = sweep.previsit_tour(site, page, check)
    sweep.counter_tour(site, page, check, code)
    findings.assert_none(sweep.COUNTER_PAGES)
