"""The receipt (受付票) as an A4 PDF: receipt number, procedure, date, the answers.

Why a PDF: residents keep or print proof that the city received the
application, and staff see the same paper when the resident calls. The font
is the navigator's (``mado.navigator.pdf.japanese_font``): IPAmj明朝 embedded
as a subset, so 髙・﨑・𠮷 print as typed.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mado.navigator.pdf import japanese_font


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def render_receipt(context: dict[str, Any]) -> bytes:
    """PDF bytes. ``context``: city, title, receipt_number, submitted (text), fee, steps
    (as from display.answers_by_step), identity_label."""
    font, _embedded = japanese_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    title_style = ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=6)
    number_style = ParagraphStyle("number", parent=base, fontSize=16, leading=22, spaceAfter=4)
    head_style = ParagraphStyle("head", parent=base, fontSize=12, leading=17, spaceBefore=8)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm,
                            title=f"受付票 {context['receipt_number']}", author=context["city"],
                            creator="Mado")
    story: list[Any] = [
        _p(f"{context['city']} 電子申請 受付票", title_style),
        _p(f"受付番号: {context['receipt_number']}", number_style),
        _p(f"手続: {context['title']}", base),
        _p(f"申請日時: {context['submitted']}", base),
        _p(f"手数料: {context['fee']}", base),
        _p(f"本人確認: {context['identity_label']}", base),
        Spacer(1, 4 * mm),
    ]
    width = doc.width
    for step in context["steps"]:
        story.append(_p(step["title"], head_style))
        rows = [[_p(a["label"], base), _p(a["text"], base)] for a in step["answers"]]
        if rows:
            table = Table(rows, colWidths=[width * 0.35, width * 0.65])
            table.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]))
            story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(_p("お問い合わせの際は受付番号をお知らせください。"
                    " / Please quote the receipt number when you contact us.", base))
    doc.build(story)
    return buf.getvalue()
