"""Cells of the paper form: how each field type is drawn (name, postal code, amount, choices, dates).

Split from :mod:`mado.eforms.paper` so that the layout of one field type can be
read (and changed) on its own; :class:`PaperCells` is a mixin of
``paper._Paper``, which provides ``self.p`` (a paragraph in a named style),
``self.font``, ``self.filled`` and the values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from mado.core.text import format_wareki

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


def _text(spec: Mapping[str, Any], name: str, lang: str) -> str:
    return str((lang == "en" and spec.get(f"{name}_en")) or spec.get(name) or "")


class _Square(Flowable):
    """A check box drawn as a shape, for a font without □/■."""

    def __init__(self, checked: bool, size: float = 3.4 * mm) -> None:
        super().__init__()
        self.checked, self.size = checked, size
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.7)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=1 if self.checked else 0)


class PaperCells:
    """Drawing helpers per field type (a mixin of the paper form)."""

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
