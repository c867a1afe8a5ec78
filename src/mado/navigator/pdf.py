"""The guide sheet (窓口案内シート) as an A4 PDF, drawn with reportlab.

Why a PDF as well as the print CSS: residents print at a convenience store or
forward the sheet by mail, and counters keep it with the application; a PDF
looks the same everywhere. Why an embedded font: reportlab's built-in CID
fonts (HeiseiMin-W3) are not embedded, so a machine without Japanese fonts
shows boxes, and 髙・﨑 are outside them anyway. We embed (as a subset) the
first font found of:

1. IPAmj明朝 (Debian ``fonts-ipamj-mincho``, the 文字情報基盤 reference font)
   at /usr/share/fonts/truetype/ipamj/ipamjm.ttf;
2. IPAex明朝/ゴシック (``fonts-ipaexfont``) under /usr/share/fonts/opentype/;
3. /usr/share/fonts/truetype/fonts-japanese-{mincho,gothic}.ttf (Debian's
   alternatives link);

and only when none exists fall back to HeiseiMin-W3, not embedded (the
reader's PDF viewer must then supply a Japanese font). docs/navigator.md.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_CANDIDATES: tuple[tuple[str, Path], ...] = (
    ("IPAmjMincho", Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf")),
    ("IPAexMincho", Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")),
    ("IPAexGothic", Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")),
    ("JapaneseMincho", Path("/usr/share/fonts/truetype/fonts-japanese-mincho.ttf")),
    ("JapaneseGothic", Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf")),
)
CID_FALLBACK = "HeiseiMin-W3"
CHECKBOX = "□"  # U+25A1 is in JIS X 0208, so every Japanese font has it (☐ is not)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """A ToUnicode CMap that also maps characters beyond the BMP (𠮷 U+20BB7).

    reportlab 5.1 writes each code point with ``%04X``, which silently truncates
    supplementary-plane characters: the glyph is drawn, but copying or searching
    the PDF (and screen readers) get the wrong character. Per the PDF reference
    the destination is UTF-16BE, so those become surrogate pairs here.
    """

    def utf16(code: int) -> str:
        return code.to_bytes(4, "big").decode("utf-32-be").encode("utf-16-be").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(code)}>" for i, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


@functools.cache
def japanese_font() -> tuple[str, bool]:
    """(registered font name, embedded?) — the first usable candidate, else the CID font."""
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # see _to_unicode_cmap: names with 𠮷
    for name, path in FONT_CANDIDATES:
        if not path.exists():
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except Exception:  # noqa: S112 - a broken font file: try the next one
            continue
        return name, True
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK, False


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "meta": ParagraphStyle("meta", parent=base, fontSize=10, leading=15,
                               textColor=colors.HexColor("#333333")),
        "counter": ParagraphStyle("counter", parent=base, fontSize=14, leading=19, spaceBefore=8),
        "where": ParagraphStyle("where", parent=base, fontSize=10, leading=14, spaceAfter=2),
        "name": ParagraphStyle("name", parent=base, fontSize=12, leading=16),
        "body": base,
        "box": ParagraphStyle("box", parent=base, fontSize=16, leading=18),
        "total": ParagraphStyle("total", parent=base, fontSize=12, leading=17, spaceBefore=10),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _item(item: Any, styles: dict[str, ParagraphStyle], width: float) -> Table:
    """One procedure: a one-row table, which reportlab never splits across pages."""
    sep = ", " if _("、") == ", " else "、"
    lines = [_p(item.name, styles["name"])]
    if item.reason:
        lines.append(_p(_("理由: %(reason)s") % {"reason": item.reason}, styles["body"]))
    if item.documents:
        lines.append(_p(_("持ち物: %(documents)s") % {"documents": sep.join(item.documents)},
                        styles["body"]))
    fee_deadline = _("手数料: %(fee)s") % {"fee": item.fee}
    if item.deadline:
        fee_deadline += "　" + _("期限: %(deadline)s") % {"deadline": item.deadline}
    lines.append(_p(fee_deadline, styles["body"]))
    table = Table([[_p(CHECKBOX, styles["box"]), lines]], colWidths=[9 * mm, width - 9 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
    ]))
    return table


def render_guide_sheet(context: dict[str, Any]) -> bytes:
    """The sheet as PDF bytes.

    ``context`` is the sheet view's: municipality_name, event_label, issued,
    groups (GroupView with ItemView items), procedure_count, total_fee, maybe.
    Labels follow the active language, like the HTML sheet.
    """
    font, _embedded = japanese_font()
    styles = _styles(font)
    buf = io.BytesIO()
    title = _("%(city)s 窓口案内シート") % {"city": context["municipality_name"]}
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title,
                            author=context["municipality_name"], subject=context["event_label"],
                            creator="Mado")
    width = doc.width
    story: list[Any] = [
        _p(title, styles["title"]),
        _p(_("ライフイベント: %(event)s") % {"event": context["event_label"]}, styles["meta"]),
        _p(_("発行日: %(date)s") % {"date": context["issued"]}, styles["meta"]),
        _p(_("手続の数: %(n)s件。窓口で終わった手続に印をつけてください。") % {
            "n": context["procedure_count"]}, styles["meta"]),
        Spacer(1, 4 * mm),
    ]
    for number, group in enumerate(context["groups"], start=1):
        where = [_("場所: %(location)s") % {"location": group.location}] if group.location else []
        if group.phone:
            where.append(_("電話: %(phone)s") % {"phone": group.phone})
        head = [_p(f"{number}. {group.name}", styles["counter"])]
        if where:
            head.append(_p("　".join(where), styles["where"]))
        items = [_item(i, styles, width) for i in group.items]
        # The counter's heading stays with its first procedure.
        story.append(KeepTogether([*head, items[0]]) if items else KeepTogether(head))
        story.extend(items[1:])
    story.append(_p(_("手数料の合計（定額のもの）: %(total)s円") % {"total": context["total_fee"]},
                    styles["total"]))
    if context.get("maybe"):
        story.append(_p(_("このほか、次の手続が必要になることがあります: %(names)s") % {
            "names": (", " if _("、") == ", " else "、").join(context["maybe"])}, styles["body"]))
    story.append(_p(_("内容は発行日現在のものです。くわしくは各窓口にお問い合わせください。"),
                    styles["meta"]))

    def page_number(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 9 * mm, f"{doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()
