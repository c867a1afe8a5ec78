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

import datetime as dt
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

from mado.core.text import format_wareki
from mado.eforms.fields import VALUE_TYPES, is_empty
from mado.eforms.logic import CompiledForm, compile_definition, compile_version, validate_submission
from mado.navigator.pdf import japanese_font

EMPTY_BOX, FILLED_BOX = "□", "■"
MAX_TEXT = 1200  # longer values are cut: one field must fit on one page
LABEL_WIDTH = 45 * mm
GRID = colors.HexColor("#333333")
GREY = colors.HexColor("#555555")

TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "receipt": "受付番号", "required": "※", "legend": "※の項目は必ず記入してください。",
        "conditional": "該当する場合のみ", "one": "あてはまるものに印をつけてください（1つ）",
        "many": "あてはまるものに印をつけてください（いくつでも）",
        "attach": "添付書類: {label}", "attached": "（電子申請で添付済み）",
        "attach_note": "（この申請書と一緒に提出してください）",
        "kana": "フリガナ", "kanji": "氏名", "family": "（氏）", "given": "（名）",
        "era": "明・大・昭・平・令", "ymd": "年,月,日", "yen": "円",
        "declare": "上記のとおり申請します。",
        "signature": "氏名（署名）", "to": "（宛先）{city}長", "yes": "はい", "page": "{n}",
        "version": "様式 {code} 第{number}版",
    },
    "en": {
        "receipt": "Receipt no.", "required": "*", "legend": "Fields marked * are required.",
        "conditional": "only if applicable", "one": "Tick one box", "many": "Tick all that apply",
        "attach": "Attachment: {label}", "attached": " (attached online)",
        "attach_note": " (enclose with this form)",
        "kana": "Katakana", "kanji": "Name", "family": "(family)", "given": "(given)",
        "era": "", "ymd": "Year,Month,Day", "yen": "yen",
        "declare": "I apply as stated above.",
        "signature": "Name (signature)", "to": "To: the Mayor of {city}", "yes": "yes",
        "page": "{n}", "version": "Form {code} version {number}",
    },
}


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


class _Square(Flowable):
    """A check box drawn as a shape, for a font without □/■."""

    def __init__(self, checked: bool, size: float = 3.4 * mm) -> None:
        super().__init__()
        self.checked, self.size = checked, size
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.7)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=1 if self.checked else 0)


def _text(spec: Mapping[str, Any], name: str, lang: str) -> str:
    return str((lang == "en" and spec.get(f"{name}_en")) or spec.get(name) or "")


def _cut(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


class _Paper:
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

    def boxed(self, label_cell: list[Any], value_cell: list[Any]) -> Table:
        table = Table([[label_cell, value_cell]],
                      colWidths=[LABEL_WIDTH, self.width - LABEL_WIDTH])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        return table

    def mark(self, checked: bool, label: str) -> Any:
        if self.glyphs:
            return f"{FILLED_BOX if checked else EMPTY_BOX} {label}"
        return None

    def inner(self, rows: list[list[Any]], widths: list[float], heights: Any = None,
              style: list[Any] | None = None) -> Table:
        table = Table(rows, colWidths=widths, rowHeights=heights)
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONT", (0, 0), (-1, -1), self.font, 10),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            *(style or []),
        ]))
        return table

    # -- values of each type ------------------------------------------------------------

    def date_text(self, value: Any) -> str:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if self.lang == "en":
            return day.isoformat()
        try:
            return format_wareki(day)
        except ValueError:  # before 明治: no era to print
            return f"{day.year}年{day.month}月{day.day}日"

    def scalar_text(self, spec: Mapping[str, Any], value: Any) -> str:
        """A non-empty value of a simple type as text (also used inside group cells)."""
        kind = spec["type"]
        if kind == "date":
            return self.date_text(value)
        if kind == "name" and isinstance(value, Mapping):
            kanji = " ".join(str(value[p]) for p in ("family", "given") if value.get(p))
            kana = " ".join(str(value[p]) for p in ("family_kana", "given_kana") if value.get(p))
            return f"{kana}\n{kanji}" if kana else kanji
        if kind in ("choice", "multichoice"):
            labels = {str(c["value"]): _text(c, "label", self.lang) for c in spec["choices"]}
            chosen = value if isinstance(value, list) else [value]
            return "、".join(labels.get(str(v), str(v)) for v in chosen)
        if kind == "money" and isinstance(value, int):
            return f"{value:,} {self.t['yen']}"
        if kind == "number" and spec.get("unit"):
            return f"{value} {_text(spec, 'unit', self.lang)}"
        if kind == "checkbox":
            return self.t["yes"] if value is True else str(value) if value else ""
        if kind == "postal_code" and str(value).isdigit() and len(str(value)) == 7:
            return f"〒{str(value)[:3]}-{str(value)[3:]}"
        if isinstance(value, Mapping | list):
            return " ".join(str(v) for v in (value.values() if isinstance(value, Mapping)
                                             else value) if v)
        return str(value)

    def lines(self, n: int, value: Any) -> Any:
        if value is not None:
            return self.p(value, "value")
        w = self.width - LABEL_WIDTH - 12
        return self.inner([[""] for _ in range(n)], [w], 8 * mm,
                          [("LINEBELOW", (0, 0), (-1, -2), 0.4, colors.HexColor("#999999"))])

    def date_blank(self, *, small: bool = False, era: bool = True) -> Any:
        """「明・大・昭・平・令　年　月　日」 with room to write (spaces would collapse, so
        a table; in a narrow group cell a paragraph with no-break spaces that may wrap)."""
        words = self.t["ymd"].split(",")
        if small:
            gap = "\u00a0" * 5
            text = (self.t["era"] + " " if era and self.t["era"] else "") + gap
            return self.p(text + gap.join(words), "small")
        cells: list[Any] = []
        widths: list[float] = []
        if era and self.t["era"]:
            cells.append(self.p(self.t["era"]))
            widths.append(34 * mm)
        for word in words:
            cells += ["", self.p(word)]
            widths += [12 * mm, 5 * mm * max(1, len(word) // 2)]
        return self.inner([cells], widths, style=[("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0)])

    def name_cell(self, value: Any) -> Table:
        v = value if isinstance(value, Mapping) else {}
        if value is not None and not isinstance(value, Mapping):
            v = {"family": str(value)}

        def part(key: str, style: str) -> Any:
            return self.p(v[key], style) if v.get(key) else Spacer(0, 0)

        rest = (self.width - LABEL_WIDTH - 12 - 16 * mm) / 2
        t = self.t
        return self.inner(
            [[self.p(t["kana"], "small"), [self.p(t["family"], "small"), part("family_kana", "base")],
              [self.p(t["given"], "small"), part("given_kana", "base")]],
             [self.p(t["kanji"], "small"), [self.p(t["family"], "small"), part("family", "value")],
              [self.p(t["given"], "small"), part("given", "value")]]],
            [16 * mm, rest, rest], [10 * mm, 14 * mm],
            [("GRID", (1, 0), (-1, -1), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def postal_cell(self, value: Any) -> Table:
        digits = str(value) if value is not None else ""
        cells = list(digits) if digits.isdigit() and len(digits) == 7 else [""] * 7
        row = ["〒", *cells[:3], "-", *cells[3:]]
        box = [("BOX", (i, 0), (i, 0), 0.6, GRID) for i in (1, 2, 3, 5, 6, 7, 8)]
        style = [("FONT", (0, 0), (-1, -1), self.font, 11), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                 *box]
        table = self.inner([row], [7 * mm] * 9, 8 * mm, style)
        if value is not None and not cells[0]:  # unreadable: print what was given
            return self.inner([[self.p(value, "value")]], [60 * mm])
        return table

    def amount_cell(self, spec: Mapping[str, Any], value: Any) -> Table:
        unit = self.t["yen"] if spec["type"] == "money" else _text(spec, "unit", self.lang)
        if isinstance(value, int) and spec["type"] == "money":
            shown = f"{value:,}"
        else:
            shown = "" if value is None else str(value)
        return self.inner([[self.p(shown, "amount"), self.p(unit)]], [45 * mm, 20 * mm], 9 * mm,
                          [("BOX", (0, 0), (0, 0), 0.6, GRID)])

    def choices_cell(self, spec: Mapping[str, Any], value: Any) -> list[Any]:
        chosen = {str(v) for v in (value if isinstance(value, list) else [value])
                  if value is not None}
        items = [(str(c["value"]) in chosen, _text(c, "label", self.lang)) for c in spec["choices"]]
        note = self.p(self.t["many" if spec["type"] == "multichoice" else "one"], "small")
        if self.glyphs:
            return [self.p("　　".join(self.mark(c, label) for c, label in items)), note]
        rows = [[_Square(c), self.p(label)] for c, label in items]
        return [self.inner(rows, [6 * mm, self.width - LABEL_WIDTH - 20 * mm]), note]

    def value_cell(self, spec: Mapping[str, Any]) -> list[Any]:
        kind, v = spec["type"], self.value(spec["key"])
        if kind == "name":
            return [self.name_cell(v)]
        if kind == "date":
            return [self.p(self.date_text(v), "value") if v is not None else self.date_blank()]
        if kind == "postal_code":
            return [self.postal_cell(v)]
        if kind in ("number", "money"):
            return [self.amount_cell(spec, v)]
        if kind in ("choice", "multichoice"):
            return self.choices_cell(spec, v)
        if kind == "address":
            return [self.lines(2, v)]
        if kind == "text" and spec.get("multiline"):
            n = max(2, min(6, int(spec.get("max_length") or 1000) // 200))
            return [self.lines(n, v)]
        return [self.p(v, "value") if v is not None else Spacer(1, 7 * mm)]

    # -- fields -------------------------------------------------------------------------

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
