"""The signature bundle: every prefilled form of a visit in one PDF, then the take-home list.

Why one document and not the forms' PDFs glued together: the resident signs
one stack, the printer gets one job, and a single document embeds the
Japanese font once (the subset covers every form) instead of once per form —
that is most of the cost of a PDF page (see bench/bench_counter.py, whose
baseline renders each form as its own document with eforms.paper).

Each form is drawn by eforms' paper renderer (``eforms.paper.paper_story``:
the same flowables, so the bundle never disagrees with the single form's
PDF); this module only chains them with page breaks and keeps each form's own footer (form code, version,
page within the form).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from mado.eforms.paper import paper_story
from mado.navigator.pdf import japanese_font

MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 14 * mm, 16 * mm


class _FormStart(Flowable):
    """Zero-size marker: from here on, pages belong to this form (for the footer)."""

    def __init__(self, footer: str) -> None:
        super().__init__()
        self.footer = footer
        self.width = self.height = 0

    def wrap(self, *args: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        doc = self.canv._doctemplate  # type: ignore[attr-defined]
        doc.mado_footer, doc.mado_first_page = self.footer, doc.page


def _form_story(version: Any, values: Mapping[str, Any], city: str) -> list[Any]:
    d = version.definition
    footer = f"様式 {d.get('code') or version.form.code} 第{version.number}版 — {d.get('title', '')}"
    return [_FormStart(footer), *paper_story(version, values, municipality_name=city)]


def _take_home_story(take_home: Mapping[str, Sequence[Any]], city: str, font: str) -> list[Any]:
    base = ParagraphStyle("th", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    title = ParagraphStyle("th_title", parent=base, fontSize=16, leading=22, spaceAfter=6)
    head = ParagraphStyle("th_head", parent=base, fontSize=12.5, leading=18, spaceBefore=8)

    def p(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(text), style)

    story: list[Any] = [_FormStart("お手続きのご案内（お持ち帰り用）"),
                        p(f"{city} お手続きのご案内（お持ち帰り用）", title)]
    sections = (
        ("done", "本日この窓口で受け付けた手続", "ほかの窓口へ行く必要はありません。"),
        ("elsewhere", "ほかに申請できる手続・サービス", "オンラインまたは担当窓口で申請できます。"),
        ("maybe", "該当するか確認が必要な手続", "あてはまる場合はお問い合わせください。"),
    )
    for key, heading, note in sections:
        items = list(take_home.get(key) or ())
        if not items:
            continue
        story += [p(heading, head), p(note)]
        for item in items:
            entry = item.entry
            line = f"・{entry.name}（{entry.department.name}"
            if entry.department.location:
                line += f" {entry.department.location}"
            line += "）"
            if getattr(item, "apply_url", None):
                line += f" オンライン: {item.apply_url}"
            story.append(p(line))
    story.append(Spacer(1, 4 * mm))
    return story


def render_bundle(
    forms: Sequence[tuple[Any, Mapping[str, Any]]],
    *,
    municipality_name: str = "",
    take_home: Mapping[str, Sequence[Any]] | None = None,
) -> bytes:
    """One A4 PDF: each (FormVersion, values) filled, each form on new pages; then the list."""
    font, _embedded = japanese_font()
    story: list[Any] = []
    for version, values in forms:
        if story:
            story.append(PageBreak())
        story += _form_story(version, values, municipality_name)
    if take_home:
        if story:
            story.append(PageBreak())
        story += _take_home_story(take_home, municipality_name, font)
    if not story:
        story = [Spacer(1, 1)]
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                          topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
                          title="窓口 署名用様式一式", author=municipality_name, creator="Mado")
    doc.mado_footer, doc.mado_first_page = "", 1
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")

    def page_end(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(MARGIN_X, 9 * mm, doc_.mado_footer)
        canvas.drawRightString(A4[0] - MARGIN_X, 9 * mm,
                               f"{doc_.page - doc_.mado_first_page + 1}（通し {doc_.page}）")
        canvas.restoreState()

    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=page_end)])
    doc.build(story)
    return buf.getvalue()
