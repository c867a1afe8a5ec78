"""Public API of the apply app (the resident's online application pages).

Other apps ask here whether Mado itself takes a procedure's applications
online, and where: the navigator's 「オンラインで申請」 link, a notice, the
counter's QR handover.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from mado.core.models import Municipality
from mado.core.tenancy import get_current_municipality


def has_published_form(procedure_code: str, municipality: Municipality | None = None) -> bool:
    """True when ``procedure_code`` has a published form (default: the current municipality)."""
    from mado.apply import engine

    municipality = municipality or get_current_municipality()
    if municipality is None:
        return False
    return engine.find_form(municipality, procedure_code) is not None


def apply_url(procedure_code: str, municipality: Municipality | None = None) -> str | None:
    """/apply/<code>/ when the municipality takes it online with Mado, else None."""
    if not has_published_form(procedure_code, municipality):
        return None
    try:
        return reverse("eforms:apply", args=[procedure_code])
    except NoReverseMatch:
        return None
