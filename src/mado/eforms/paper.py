"""The paper form (紙の様式): an A4 PDF drawn from the same definition as the HTML form.

Why: a municipality must still take applications on paper (at the counter,
by mail, from residents without a smartphone), and a paper form that is
drawn from the published definition can never disagree with the online
one — same steps, labels, choices and help texts. The same function prints
the form blank (for handwriting: boxes sized by field type, the era list
「明・大・昭・平・令」 for dates, □ for choices) or filled (an online
submission printed for the file, with its 受付番号; dates in 和暦).

Layout rules: each field is one single-row table, which reportlab never
splits across pages; headings keep with the next field; only a repeating
group may run over pages (its header row repeats). Conditional fields are
printed on a blank form with 「該当する場合のみ」 (logic cannot be evaluated
on paper) and left out of a filled form when logic hides them.

The font is the navigator's (IPAmj明朝 embedded as a subset), so 髙・﨑・𠮷
print as typed. □ and ■ are in JIS X 0208 and so in every candidate font;
should a font lack them, the boxes are drawn as shapes instead.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from mado.eforms.fields import VALUE_TYPES, is_empty
from mado.eforms.logic import CompiledForm, compile_definition, compile_version, validate_submission
from mado.eforms.paper_cells import (
    EMPTY_BOX,
    FILLED_BOX,
    GREY,
    GRID,
    LABEL_WIDTH,
    MAX_TEXT,
    TEXTS,
    PaperCells,
    _Square,
    _text,
)
from mado.navigator.pdf import japanese_font


def render_paper_form(
    version_or_definition: Any,
    *,
    values: Mapping[str, Any] | None = None,
    municipality_name: str = "",
    receipt_number: str = "",
    lang: str = "ja",
) -> bytes:
    """The form as A4 PDF bytes: blank when ``values`` is None, else filled with them.

    ``version_or_definition`` is a FormVersion or a definition dict (validated;
    an invalid one raises :class:`~mado.eforms.logic.DefinitionInvalid`).
    ``values`` may be stored (clean) values or raw input; each is read the way
    the online form reads it, and what cannot be read is printed as given.
    """
    if isinstance(version_or_definition, Mapping):
        version = None
        compiled = compile_definition(version_or_definition)
    else:
        version = version_or_definition
        compiled = compile_version(version)
        if not municipality_name and getattr(version, "municipality", None) is not None:
            municipality_name = version.municipality.name
    return _Paper(compiled, values, municipality_name, receipt_number,
                  "en" if lang.startswith("en") else "ja", version).build()


def paper_story(
    version: Any,
    values: Mapping[str, Any] | None,
    *,
    municipality_name: str = "",
    lang: str = "ja",
) -> list[Flowable]:
    """The flowables of one form (what :func:`render_paper_form` lays out), to chain forms.

    For a caller that builds its own document — the counter's signature bundle
    puts several forms in one PDF so the font subset is embedded once. Page
    footers belong to the document, so they are the caller's.
    """
    return _Paper(compile_version(version), values, municipality_name, "",
                  "en" if lang.startswith("en") else "ja", version).story()


def _has_glyphs(font: str, chars: str) -> bool:
    """Whether the registered font draws ``chars`` (CID fonts cover JIS X 0208: □ ■ are in it)."""
    cmap = getattr(getattr(pdfmetrics.getFont(font), "face", None), "charToGlyph", None)
    if cmap is None:
        return True
    return all(ord(c) in cmap for c in chars)


def _cut(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


class _Paper(PaperCells):
    """One rendering: styles, the values to print, and the flowables of each field type."""

    def __init__(self, compiled: CompiledForm, values: Mapping[str, Any] | None, city: str,
                 receipt: str, lang: str, version: Any) -> None:
        self.compiled, self.city, self.receipt, self.lang = compiled, city, receipt, lang
        self.version, self.filled = version, values is not None
        self.t = TEXTS[lang]
        self.font, _embedded = japanese_font()
        self.glyphs = _has_glyphs(self.font, EMPTY_BOX + FILLED_BOX)
        self.shown: dict[str, Any] = {}
        self.state = None
        if values is not None:
            result = validate_submission(compiled, dict(values))
            self.shown = {**result.raw, **result.values}
            self.state = result.state
        base = ParagraphStyle("base", fontName=self.font, fontSize=10, leading=14,
                              wordWrap="CJK")
        self.s = {
            "base": base,
            "value": ParagraphStyle("value", parent=base, fontSize=11, leading=15),
            "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24,
                                    alignment=TA_CENTER, spaceBefore=2, spaceAfter=4),
            "city": ParagraphStyle("city", parent=base, fontSize=11, leading=15),
            "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10,
                                    textColor=GREY),
            "step": ParagraphStyle("step", parent=base, fontSize=13, leading=18,
                                   spaceBefore=8, spaceAfter=3, keepWithNext=1),
            "section": ParagraphStyle("section", parent=base, fontSize=11, leading=15,
                                      spaceBefore=5, spaceAfter=1, keepWithNext=1),
            "amount": ParagraphStyle("amount", parent=base, fontSize=11, leading=15,
                                     alignment=TA_RIGHT),
        }
        self.width = A4[0] - 36 * mm

    # -- small pieces -------------------------------------------------------------------

    def p(self, text: Any, style: str = "base") -> Paragraph:
        return Paragraph(escape(_cut(text)).replace("\n", "<br/>"), self.s[style])

    def label(self, spec: Mapping[str, Any]) -> str:
        return _text(spec, "label", self.lang) or str(spec.get("key", ""))

    def visible(self, key: str) -> bool:
        return self.state is None or key in self.state.visible

    def required(self, spec: Mapping[str, Any]) -> bool:
        if self.state is not None:
            return spec["key"] in self.state.required
        return spec.get("required") is True

    def conditional(self, key: str, step: str) -> bool:
        return not self.filled and (key in self.compiled.show or step in self.compiled.show)

    def value(self, key: str, source: Mapping[str, Any] | None = None) -> Any:
        data = self.shown if source is None else source
        v = data.get(key) if isinstance(data, Mapping) else None
        return None if is_empty(v) else v

    def field(self, spec: Mapping[str, Any], step: str) -> list[Any]:
        kind, key = spec["type"], spec["key"]
        helptext = _text(spec, "help", self.lang)
        if kind == "section":
            out = [self.p(self.label(spec), "section")]
            return out + ([self.p(helptext, "small")] if helptext else [])
        if kind not in VALUE_TYPES or not self.visible(key):
            return []
        note = self.t["conditional"] if self.conditional(key, step) else ""
        if kind == "file":
            text = self.t["attach"].format(label=self.label(spec))
            text += self.t["attached"] if self.value(key) is not None else self.t["attach_note"]
            extra = [self.p(helptext, "small")] if helptext else []
            return [KeepTogether([Spacer(1, 2 * mm), self.p(text + (f"（{note}）" if note else "")),
                                  *extra, Spacer(1, 2 * mm)])]
        if kind == "group":
            return self.group(spec, note, helptext)
        mark = f"{self.t['required']} " if self.required(spec) else ""
        label_cell = [self.p(mark + self.label(spec))]
        if note:
            label_cell.append(self.p(note, "small"))
        if kind == "checkbox":
            checked = self.value(key) is True
            body: list[Any] = ([self.p(self.mark(checked, self.label(spec)))] if self.glyphs else
                               [self.inner([[_Square(checked), self.p(self.label(spec))]],
                                           [6 * mm, self.width - LABEL_WIDTH - 20 * mm])])
            label_cell = [self.p(mark.strip() or "\u3000"), *label_cell[1:]]
        else:
            body = self.value_cell(spec)
        if helptext:
            body.append(self.p(helptext, "small"))
        return [self.boxed(label_cell, body)]

    def group(self, spec: Mapping[str, Any], note: str, helptext: str) -> list[Any]:
        children = [c for c in spec.get("fields") or () if c.get("type") in VALUE_TYPES
                    and c.get("type") != "file"]
        files = [c for c in spec.get("fields") or () if c.get("type") == "file"]
        rows_in = self.value(spec["key"])
        filled_rows = [r for r in rows_in if isinstance(r, Mapping)] if isinstance(
            rows_in, list) else []
        n = len(filled_rows) if self.filled else max(int(spec.get("min") or 0), 3)
        weights = [2.2 if c["type"] in ("name", "address") else 1.7 if c["type"] == "date"
                   else 1.0 for c in children] or [1.0]
        rest = self.width - 8 * mm
        widths = [8 * mm, *(rest * w / sum(weights) for w in weights)]
        header = ["", *(self.p(self.label(c), "small") for c in children)]
        rows: list[list[Any]] = [header]
        for i in range(n):
            row = filled_rows[i] if i < len(filled_rows) else {}
            cells: list[Any] = [self.p(str(i + 1), "small")]
            for c in children:
                v = self.value(c["key"], row)
                if v is not None:
                    cells.append(self.p(self.scalar_text(c, v)))
                elif c["type"] == "date" and not self.filled:
                    cells.append(self.date_blank(small=True))
                elif c["type"] in ("choice", "multichoice") and not self.filled:
                    cells.append(self.p("　".join(
                        f"{EMPTY_BOX if self.glyphs else ''}{_text(o, 'label', self.lang)}"
                        for o in c["choices"]), "small"))
                else:
                    cells.append("")
            rows.append(cells)
        mark = f"{self.t['required']} " if self.required(spec) else ""
        head = [self.p(mark + self.label(spec) + (f"（{note}）" if note else ""), "section")]
        if helptext:
            head.append(self.p(helptext, "small"))
        for f in files:
            head.append(self.p(self.t["attach"].format(label=self.label(f)), "small"))
        table = Table(rows, colWidths=widths, repeatRows=1,
                      rowHeights=[None] + [None if self.filled else 12 * mm] * n)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        return [KeepTogether([*head, table]), Spacer(1, 2 * mm)]

    # -- the document -------------------------------------------------------------------

    def header(self) -> list[Any]:
        d = self.compiled.definition
        left = self.p(self.city, "city") if self.city else ""
        right: Any = ""
        if self.receipt:
            right = self.inner([[self.p(self.t["receipt"], "small"), self.p(self.receipt, "value")]],
                               [18 * mm, 45 * mm], None, [("BOX", (0, 0), (-1, -1), 0.8, GRID),
                                                          ("LINEAFTER", (0, 0), (0, 0), 0.5, GRID)])
        top = self.inner([[left, right]], [self.width - 66 * mm, 66 * mm], None,
                         [("ALIGN", (1, 0), (1, 0), "RIGHT"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
        out: list[Any] = [top, self.p(_text(d, "title", self.lang), "title")]
        description = _text(d, "description", self.lang)
        if description:
            out.append(self.p(description))
        if any(f.spec.get("required") is True for f in self.compiled.fields):
            out.append(self.p(self.t["legend"], "small"))
        return out

    def signature(self) -> KeepTogether:
        t = self.t
        rows = [["", self.p(t["signature"]), ""]]
        sign = self.inner(rows, [self.width - 110 * mm, 30 * mm, 80 * mm], 12 * mm,
                          [("LINEBELOW", (2, 0), (2, 0), 0.6, GRID),
                           ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
        date_line = self.inner([["", self.date_blank(era=False)]], [self.width - 62 * mm, 62 * mm])
        parts: list[Any] = [Spacer(1, 8 * mm), self.p(t["declare"]), Spacer(1, 3 * mm), date_line]
        if self.city:
            parts.append(self.p(t["to"].format(city=self.city)))
        return KeepTogether([*parts, sign])

    def story(self) -> list[Flowable]:
        """Header, the visible steps with their fields, and the signature block."""
        d = self.compiled.definition
        story = self.header()
        for number, step in enumerate(d["steps"], start=1):
            key = step["key"]
            if self.state is not None and key not in self.state.visible_steps:
                continue
            title = _text(step, "title", self.lang) or key
            if self.conditional(key, key):
                title += f"（{self.t['conditional']}）"
            story.append(self.p(f"{number}. {title}", "step"))
            description = _text(step, "description", self.lang)
            if description:
                story.append(self.p(description, "small"))
            for spec in step["fields"]:
                story.extend(self.field(spec, key))
        story.append(self.signature())
        return story

    def build(self) -> bytes:
        d = self.compiled.definition
        story = self.story()
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=14 * mm, bottomMargin=16 * mm,
                                title=_text(d, "title", self.lang), author=self.city,
                                subject=self.receipt, creator="Mado")
        footer = (self.t["version"].format(code=d["code"], number=self.version.number)
                  if self.version is not None else str(d["code"]))

        def on_page(canvas: Any, doc_: Any) -> None:
            canvas.saveState()
            canvas.setFont(self.font, 8)
            canvas.drawString(18 * mm, 9 * mm, footer)
            canvas.drawCentredString(A4[0] / 2, 9 * mm, self.t["page"].format(n=doc_.page))
            canvas.restoreState()

        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
        return buf.getvalue()
