"""The register receipt (領収書) as PDF, for a printer without a browser or for e-mailing.

Why an embedded font (navigator.pdf.japanese_font): a receipt carries the
payer's name as given, which may hold 髙 or 﨑; the CID fallback fonts are not
embedded and would print boxes on a machine without Japanese fonts.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mado.core.text import format_wareki
from mado.payments.register.models import RegisterTransaction, TransactionKind
from mado.payments.services import format_reference


def _yen(amount: int) -> str:
    return f"¥{amount:,}"


def receipt_pdf(txn: RegisterTransaction) -> bytes:
    """An A5 領収書 of one sale (or 取消 slip of one cancellation)."""
    from mado.navigator.pdf import japanese_font

    font, _embedded = japanese_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    big = ParagraphStyle("big", fontName=font, fontSize=16, leading=22)
    day = txn.day
    municipality = day.department.municipality
    when = txn.created_at.astimezone()
    is_void = txn.kind == TransactionKind.VOID
    story = [
        Paragraph("取消票" if is_void else "領収書", title),
        Spacer(1, 3 * mm),
        Paragraph(escape(f"{txn.payer_name or ''} 様"), body),
        Spacer(1, 2 * mm),
        Paragraph(escape(f"金額 {_yen(abs(txn.total_yen))}{'（取消）' if is_void else ''}"), big),
        Paragraph("上記の金額を領収しました。" if not is_void else "上記の会計を取り消しました。", body),
        Spacer(1, 4 * mm),
    ]
    rows = [["品目", "単価", "数量", "金額"]]
    lines = list((txn.voids or txn).lines.all())
    for line in lines:
        rows.append(
            [line.description, _yen(line.unit_price_yen), str(line.quantity), _yen(line.amount_yen)]
        )
    table = Table(
        [[Paragraph(escape(str(c)), body) for c in r] for r in rows],
        colWidths=[62 * mm, 22 * mm, 14 * mm, 24 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    facts = [
        f"支払方法: {txn.get_method_display()}",
        f"取引番号: {txn.receipt_number}",
        f"日時: {format_wareki(when.date())} {when:%H:%M}",
        f"窓口: {municipality.name} {day.department.name}",
    ]
    if txn.payment_id:
        facts.append(f"収納番号: {format_reference(txn.payment.reference)}")
    if txn.tendered_yen is not None:
        facts.append(f"お預かり: {_yen(txn.tendered_yen)}　お釣り: {_yen(txn.change_yen)}")
    if is_void:
        facts.append(f"取り消した会計: {txn.voids.receipt_number}　理由: {txn.reason}")
    story += [Paragraph(escape(f), body) for f in facts]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"領収書 {txn.receipt_number}",
        author=municipality.name,
    )
    doc.build(story)
    return buffer.getvalue()
