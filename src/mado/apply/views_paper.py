"""The paper form (紙の様式) as PDF: blank for a procedure, or filled for a submission.

Why here: the apply pages already know which form version a procedure takes
applications with (``engine.find_form``) and who may see a submission
(``my_views._visible_submission``); the drawing itself is eforms'
(``mado.eforms.paper``), from the same definition as the online form, so the
printed and the online form never disagree.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from mado.apply import engine
from mado.apply.my_views import _visible_submission
from mado.apply.views import not_found
from mado.eforms.paper import render_paper_form


def _lang() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "ja"


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def blank_form(request: HttpRequest, code: str) -> HttpResponse:
    """The published form of procedure ``code`` to print and fill in by hand (404 page if none)."""
    municipality = getattr(request, "municipality", None)
    form = engine.find_form(municipality, code) if municipality is not None else None
    if form is None:
        return not_found(request)
    pdf = render_paper_form(form.version, municipality_name=municipality.name,  # type: ignore[union-attr]
                            lang=_lang())
    return _pdf(pdf, f"{form.code or code}.pdf")


def submission_form(request: HttpRequest, pk: int) -> HttpResponse:
    """A submitted application printed on its form, with the receipt number (same access as the receipt)."""
    sub = _visible_submission(request, pk)
    if sub is None or sub.form_version is None:
        return not_found(request, _("この受付番号のページは表示できません / This receipt cannot be shown."))
    pdf = render_paper_form(sub.form_version, values=dict(sub.data or {}),
                            municipality_name=request.municipality.name,  # type: ignore[attr-defined]
                            receipt_number=sub.receipt_number, lang=_lang())
    response = _pdf(pdf, f"application-{sub.receipt_number}.pdf")
    response["X-Robots-Tag"] = "noindex"
    return response
