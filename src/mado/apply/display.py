"""Answers as people read them: 和暦 dates, choice labels, 〒 postal codes, yen, names.

Used by the review page, the receipt PDF and the confirmation e-mail, so the
three say the same thing in the same words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from mado.apply import forms
from mado.core.text import format_postal_code, format_wareki


def fee_text(procedure: Any) -> str:
    """「無料」「1通300円」「300円」 from the procedure's fee and unit."""
    fee = int(getattr(procedure, "fee", 0) or 0)
    unit = getattr(procedure, "fee_unit", "") or ""
    note = getattr(procedure, "fee_note", "") or ""
    amount = number_format(fee, force_grouping=True)
    if fee == 0 or unit == "none":
        text = _("無料")
    elif unit == "per_copy":
        text = _("1通%(amount)s円") % {"amount": amount}
    else:
        text = _("%(amount)s円") % {"amount": amount}
    return f"{text}（{note}）" if note and note != text else text


def date_text(iso: str) -> str:
    """「昭和55年4月1日（1980年4月1日）」; the input unchanged if it is not an ISO date."""
    try:
        day = dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    try:
        return f"{format_wareki(day)}（{day.year}年{day.month}月{day.day}日）"
    except ValueError:
        return f"{day.year}年{day.month}月{day.day}日"


def _label(f: Mapping[str, Any], english: bool) -> str:
    return str((english and f.get("label_en")) or f.get("label") or f.get("key"))


def value_text(f: Mapping[str, Any], value: Any, files: Mapping[str, str],
               english: bool = False) -> str:
    """One stored value as text (a group gives one line per row)."""
    t = f.get("type")
    if forms.is_empty(value) and t != "checkbox":
        return _("（未入力）")
    if t == "name" and isinstance(value, Mapping):
        kanji = " ".join(p for p in (value.get("family"), value.get("given")) if p)
        kana = " ".join(p for p in (value.get("family_kana"), value.get("given_kana")) if p)
        return f"{kanji}（{kana}）" if kana else kanji
    if t == "date":
        return date_text(value)
    if t == "postal_code":
        try:
            return "〒" + format_postal_code(str(value))
        except ValueError:
            return str(value)
    if t == "money":
        return _("%(amount)s円") % {"amount": number_format(int(value), force_grouping=True)}
    if t in ("choice", "multichoice"):
        labels = {str(c.get("value")): str((english and c.get("label_en")) or c.get("label"))
                  for c in f.get("choices", [])}
        chosen = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in chosen)
    if t == "checkbox":
        return _("はい") if value else _("いいえ")
    if t == "file":
        return files.get(str(value), _("添付あり"))
    if t == "group" and isinstance(value, list):
        subs = [s for s in f.get("fields", []) if s.get("type") in forms.VALUE_TYPES]
        lines = []
        for i, row in enumerate(value, start=1):
            parts = [f"{_label(s, english)}: {value_text(s, row.get(s['key']), files, english)}"
                     for s in subs if not forms.is_empty(row.get(s["key"]))]
            lines.append(f"{i}. " + " / ".join(parts))
        return "\n".join(lines)
    return str(value)


def answers_by_step(form: Any, evaluation: Any, files: Mapping[str, str],
                    english: bool = False) -> list[dict[str, Any]]:
    """[{key, title, answers: [(label, text)]}] of the visible fields, step by step."""
    out = []
    for step in form.steps:
        answers = []
        for f in forms.value_fields(step.get("fields", [])):
            if f["key"] in evaluation.hidden:
                continue
            value = evaluation.values.get(f["key"])
            answers.append({"label": _label(f, english), "key": f["key"],
                            "text": value_text(f, value, files, english),
                            "lines": value_text(f, value, files, english).split("\n")})
        if answers:
            out.append({"key": step["key"], "answers": answers,
                        "title": str((english and step.get("title_en")) or step.get("title")
                                     or step["key"])})
    return out
