"""The receipt page and PDF after submitting, and /my/: a resident's own applications.

Who may see a submission: the browser session that just submitted it (for the
receipt), or a verified identity that made it (``submissions_for_identity``:
same card, same verified e-mail, same registry resident) — always within the
municipality the site serves, so another city's identity sees nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mado.apply import engine
from mado.apply.display import answers_by_step, date_text, fee_text
from mado.apply.receipt_pdf import render_receipt
from mado.apply.views import SESSION_DONE, not_found

IDENTITY_LABELS = {"card": "マイナンバーカード", "email": "メールアドレス確認", "none": "本人確認なし"}


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _visible_submission(request: HttpRequest, pk: int) -> Any | None:
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        return None
    from mado.submissions.models import Status, Submission

    sub = (Submission.unscoped.select_related("procedure", "form_version")
           .filter(municipality=municipality, pk=pk).exclude(status=Status.DRAFT).first())
    if sub is None:
        return None
    if pk in request.session.get(SESSION_DONE, []):
        return sub
    identity = engine.current_identity(request)
    from mado.submissions.services import identity_owns

    if identity and identity_owns(sub, dict(identity)):
        return sub
    return None


def _when(value: Any) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{date_text(local.date().isoformat())} {local:%H:%M}"


def _title(sub: Any) -> str:
    d = sub.form_version.definition if sub.form_version else {}
    return str((_english() and d.get("title_en")) or d.get("title") or sub.procedure.name)


def _answers(sub: Any) -> list[dict[str, Any]]:
    if sub.form_version is None:
        return []
    form = engine.Form(version=sub.form_version, definition=dict(sub.form_version.definition),
                       procedure=sub.procedure)
    evaluation = engine.Evaluation(values=dict(sub.data or {}), errors={})
    names = engine.attachment_names_of(sub)
    return answers_by_step(form, evaluation, names, _english())


def _fee(sub: Any, known: list[Any] | None = None) -> dict[str, Any]:
    """The submission's payment for the receipt and /my/: status, amount and the pay link.

    ``known``: its payments when the caller fetched them for a whole list.
    """
    from mado.payments import services as payments

    if known is None or (not known and sub.status in ("approved", "completed")):
        payments.ensure_after_review_payment(sub)
        known = None  # read again: it may have just been created
    summary = payments.payment_summary(sub, known)
    if summary["required"] and summary["waiting"] and summary["amount_yen"] > 0:
        summary["pay_url"] = reverse("pay:pay", args=[summary["reference"]])
    return summary


def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _visible_submission(request, pk)
    if sub is None:
        return not_found(request, _("この受付番号のページは表示できません / This receipt cannot be shown."))
    return render(request, "apply/receipt.html", {
        "sub": sub, "title": _title(sub), "submitted": _when(sub.submitted_at),
        "pdf_url": reverse("eforms:receipt_pdf", args=[sub.pk]),
        "email_sent": bool(sub.applicant_email or engine.known_email(None, sub.data or {})),
        "identity": engine.current_identity(request), "payment": _fee(sub),
    })


def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _visible_submission(request, pk)
    if sub is None:
        return not_found(request, _("この受付番号のページは表示できません / This receipt cannot be shown."))
    pdf = render_receipt({
        "city": request.municipality.name,  # type: ignore[attr-defined]
        "title": _title(sub), "receipt_number": sub.receipt_number,
        "submitted": _when(sub.submitted_at), "fee": fee_text(sub.procedure),
        "identity_label": IDENTITY_LABELS.get(sub.identity_level, sub.identity_level),
        "steps": _answers(sub),
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{sub.receipt_number}.pdf"'
    response["X-Robots-Tag"] = "noindex"
    return response


def index(request: HttpRequest) -> HttpResponse:
    """The signed-in resident's applications with their status history."""
    identity = engine.current_identity(request)
    municipality = getattr(request, "municipality", None)
    if identity is None or municipality is None:
        return render(request, "apply/my_signin.html", {
            "card_url": engine.sign_in_url("card", request.get_full_path()),
            "email_url": engine.sign_in_url("email", request.get_full_path()),
        })
    from mado.payments.services import payments_by_submission
    from mado.submissions.services import status_histories

    subs = engine.submissions_for(municipality, identity)
    histories = status_histories(subs)  # one query each, not one per application
    paid = payments_by_submission(subs)
    items = []
    for sub in subs:
        items.append({
            "sub": sub, "title": _title(sub), "submitted": _when(sub.submitted_at),
            "status": sub.get_status_display(),
            "history": [{"status": h.get_to_status_display(), "at": _when(h.at), "note": h.note}
                        for h in histories[sub.pk]],
            "receipt_url": reverse("eforms:receipt", args=[sub.pk]),
            "payment": _fee(sub, paid[sub.pk]),
        })
    return render(request, "apply/my.html", {"identity": identity, "items": items,
                                             "signout_url": engine.sign_out_url()})
