"""/my/<pk>/correct/ and /my/<pk>/notice/: the resident's side of 差戻し and of decisions.

Why separate from my_views: the back office (casework) owns what happens after
submission. A returned application shows the staff's reason and the answers
the resident may change; the corrected answers are validated with the same
form version and logic as the first time, then resubmitted through
``submissions.services.submit`` — the case continues where it was. A decided
application shows its decision notice, with the PDF.

Only a verified identity that made the submission (``submissions_for``) may
open these pages; anyone else gets the not-found page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mado.apply import engine
from mado.apply.views import not_found

EDITABLE = {"text", "kana", "phone", "email", "address", "postal_code", "date", "number",
            "money", "choice"}
NOT_VISIBLE = "この申請は表示できません / This application cannot be shown."


def _own_submission(request: HttpRequest, pk: int) -> Any | None:
    municipality = getattr(request, "municipality", None)
    identity = engine.current_identity(request)
    if municipality is None or identity is None:
        return None
    return next((s for s in engine.submissions_for(municipality, identity) if s.pk == pk), None)


def _return_reason(sub: Any) -> str:
    from mado.submissions.models import Status

    last = [h for h in engine.status_history(sub) if h.to_status == Status.RETURNED]
    return last[-1].note if last else ""


def _fields(sub: Any, values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    definition = sub.form_version.definition if sub.form_version_id else {}
    for step in definition.get("steps", []):
        for spec in step.get("fields", []):
            if spec.get("type") not in EDITABLE or spec.get("key") not in (sub.data or {}):
                continue
            key = spec["key"]
            out.append({"key": key, "id": f"c-{key}", "label": spec.get("label") or key,
                        "type": spec["type"], "value": values.get(key, ""),
                        "choices": spec.get("choices") or [], "error": errors.get(key, ""),
                        "help": spec.get("help", "")})
    return out


def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the reason of a 差戻し and let the applicant correct and resubmit."""
    from mado.casework.services import open_case
    from mado.submissions import services as subs
    from mado.submissions.models import Status

    sub = _own_submission(request, pk)
    if sub is None or sub.status != Status.RETURNED or sub.form_version_id is None:
        return not_found(request, NOT_VISIBLE)
    values = dict(sub.data or {})
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        editable = {f["key"] for f in _fields(sub, values, {})}
        for key in editable:
            values[key] = request.POST.get(key, "")
        form = engine.Form(version=sub.form_version, definition=dict(sub.form_version.definition),
                           procedure=sub.procedure)
        evaluation = engine.evaluate(form, values)
        errors = evaluation.errors
        if not errors:
            clean = {k: v for k, v in evaluation.values.items() if k not in evaluation.hidden}
            try:
                done = subs.submit(sub, clean, identity=engine.current_identity(request),
                                   fee_yen=sub.fee_yen)
            except (subs.TransitionError, ValueError) as exc:
                errors = {"__all__": str(exc)}
            else:
                open_case(done)
                messages.success(request, "訂正して再提出しました / Corrected and resubmitted.")
                return redirect("my:index")
        status = 400
    return render(request, "apply/correct.html", {
        "sub": sub, "reason": _return_reason(sub), "fields": _fields(sub, values, errors),
        "errors": errors}, status=status)


def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision notice(s) of a decided application."""
    from mado.casework.decisions import notices_for_submission

    sub = _own_submission(request, pk)
    notices = notices_for_submission(pk) if sub is not None else []
    if not notices:
        return not_found(request, NOT_VISIBLE)
    return render(request, "apply/notice.html", {"sub": sub, "notices": notices})


def notice_pdf(request: HttpRequest, pk: int, notice_id: int) -> HttpResponse:
    from mado.casework.decisions import notice_pdf as render_pdf
    from mado.casework.decisions import notices_for_submission

    sub = _own_submission(request, pk)
    found = [n for n in (notices_for_submission(pk) if sub else []) if n.pk == notice_id]
    if not found:
        return not_found(request, NOT_VISIBLE)
    response = HttpResponse(render_pdf(found[0]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{sub.receipt_number}.pdf"'
    return response
