"""Decision notices (決定通知): rendered from a template per procedure, sent, shown on /my/.

Why templates as data: each procedure words its notice differently and the
wording changes with ordinances, so staff edit a :class:`NoticeTemplate` (a
Django template string) in the admin. It is rendered by a separate template
engine with no loaders and no tag libraries, over a context of plain strings —
a template cannot include files, load tags or reach model methods. The
rendered text is stored on :class:`Notice` (what was sent stays what was sent);
the PDF is drawn from it on demand with the embedded Japanese font.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.mail import send_mail
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone

from mado.casework.models import Case, CaseEvent, Notice, NoticeTemplate
from mado.core.text import format_wareki

DEFAULTS = {
    "approved": ("{{ procedure }}の決定通知",
                 "{{ name }} 様\n\n{{ decided_on }}付けで、受付番号 {{ receipt_number }} の"
                 "「{{ procedure }}」について、申請のとおり決定しましたので通知します。\n\n"
                 "{{ municipality }} {{ department }}"),
    "rejected": ("{{ procedure }}の却下通知",
                 "{{ name }} 様\n\n受付番号 {{ receipt_number }} の「{{ procedure }}」は、"
                 "次の理由により却下しました。\n\n理由: {{ reason }}\n\n"
                 "この決定に不服がある場合は、決定があったことを知った日の翌日から起算して"
                 "3か月以内に審査請求をすることができます。\n\n{{ municipality }} {{ department }}"),
}
_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, debug=False)


class NoticeTemplateError(ValueError):
    """A notice template that does not render (message: 日本語 / English)."""


def _context(case: Case, reason: str) -> dict[str, Any]:
    sub = case.submission
    today = timezone.localdate()
    data = {k: v for k, v in (sub.data or {}).items() if isinstance(v, str | int | bool)}
    return {
        "name": case.applicant_name or "申請者",
        "receipt_number": sub.receipt_number,
        "procedure": case.procedure.name,
        "department": case.department.name,
        "municipality": case.municipality.name,
        "decided_on": format_wareki(today),
        "reason": reason,
        "data": data,
    }


def render_template(title: str, body: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render a title and body with the sandboxed engine; NoticeTemplateError if broken."""
    try:
        ctx = Context(context, autoescape=False)
        return (_ENGINE.from_string(title).render(ctx).strip(),
                _ENGINE.from_string(body).render(ctx).strip())
    except (TemplateSyntaxError, Exception) as exc:  # any template failure is the editor's
        raise NoticeTemplateError(
            f"通知の雛形を表示できません: {exc} / the notice template does not render") from exc


def template_for(case: Case, kind: str) -> tuple[str, str]:
    row = (NoticeTemplate.unscoped.filter(municipality_id=case.municipality_id, kind=kind,
                                          procedure_id=case.procedure_id).first()
           or NoticeTemplate.unscoped.filter(municipality_id=case.municipality_id, kind=kind,
                                             procedure__isnull=True).first())
    if row is not None:
        return row.title, row.body
    return DEFAULTS[kind]


def recipient(case: Case) -> str:
    sub = case.submission
    email = sub.applicant_email or str((sub.data or {}).get("email") or "")
    return email if "@" in email else ""


def issue_notice(case: Case, *, kind: str, by: Any = "system", reason: str = "") -> Notice:
    """Render, store and e-mail the notice; the resident sees it on /my/ too."""
    from mado.casework.services import add_event

    title, body = template_for(case, kind)
    try:
        title, body = render_template(title, body, _context(case, reason))
    except NoticeTemplateError:
        title, body = render_template(*DEFAULTS[kind], _context(case, reason))
    email = recipient(case)
    notice = Notice.unscoped.create(municipality_id=case.municipality_id, case=case, kind=kind,
                                    title=title[:200], body=body, emailed_to=email)
    if email:
        base = getattr(settings, "MADO_SITE_URL", "").rstrip("/")
        link = f"{base}/my/{case.submission_id}/notice/"
        send_mail(title, f"{body}\n\n通知書は次のページでも確認できます: {link}\n",
                  settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    add_event(case, CaseEvent.Kind.NOTICE, by=by, text=title,
              detail={"notice": notice.pk, "emailed": bool(email)})
    return notice


def notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF with the embedded Japanese font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from mado.navigator.pdf import japanese_font

    font, _embedded = japanese_font()
    title_style = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, spaceAfter=12)
    body_style = ParagraphStyle("b", fontName=font, fontSize=11, leading=18,
                                wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, title=notice.title)
    story: list[Any] = [Paragraph(escape(notice.title), title_style)]
    for line in notice.body.splitlines():
        story.append(Paragraph(escape(line), body_style) if line.strip() else Spacer(1, 8))
    doc.build(story)
    return out.getvalue()


def notices_for_submission(submission_id: int) -> list[Notice]:
    return list(Notice.unscoped.filter(case__submission_id=submission_id))
