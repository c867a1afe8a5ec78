"""Parsers and validators of the field types (the per-type half of :mod:`mado.eforms.fields`).

Why apart: each function here knows one type and nothing about forms — raw
input (an HTML string or a JSON value) becomes the canonical stored value, or
an :class:`Invalid` with a bilingual message naming the field; a validator
checks a canonical value against the field's limits. :mod:`mado.eforms.fields`
wires them into the type registry and the never-raising ``check``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from mado.core.text import (
    WarekiError,
    is_kana,
    normalize_digits,
    normalize_phone,
    normalize_postal_code,
    normalize_width,
    outside_jis_x_0213,
    to_katakana,
)
from mado.core.text import parse_date as core_parse_date

MAX_RAW = 10_000  # characters of one raw string; anything longer is refused unread
MAX_INT = 10**12  # numbers and money (yen) beyond ±1兆 are not a resident's answer
MAX_ROWS = 100  # hard limit of a repeating group, whatever its "max" says
DEFAULT_MAX_LENGTH = {"text": 1000, "kana": 200, "address": 300, "email": 254}
NAME_PARTS = ("family", "given", "family_kana", "given_kana")
FILE_TYPES = ("image/jpeg", "image/png", "application/pdf")
MAX_FILE_SIZE = 10 * 1024 * 1024
VALUE_TYPES = frozenset(
    {
        "text",
        "kana",
        "name",
        "date",
        "postal_code",
        "address",
        "phone",
        "email",
        "number",
        "money",
        "choice",
        "multichoice",
        "checkbox",
        "file",
        "group",
    }
)
FIELD_TYPES = VALUE_TYPES | {"section"}

_email = EmailValidator()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u3000]+")
_INT_RE = re.compile(r"-?\d{1,16}")
_PHONE_STRAY = re.compile(r"[^\d\s()+\-]")
_FILE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")
_TRUE = frozenset({"on", "true", "1", "yes", "checked", "はい"})
_FALSE = frozenset({"", "off", "false", "0", "no", "いいえ"})


class Invalid(Exception):
    """Raw input that cannot become a value of the field; ``messages`` are bilingual."""

    def __init__(self, *messages: str) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(messages))


def labels(spec: Mapping[str, Any]) -> tuple[str, str]:
    """The field's label in Japanese and English (the key when no label is given)."""
    ja = str(spec.get("label") or spec.get("key") or "")
    return ja, str(spec.get("label_en") or ja)


def message(spec: Mapping[str, Any], ja: str, en: str) -> str:
    """``「生年月日」: … / Date of birth: …`` — which field, what is wrong, how to fix it."""
    label_ja, label_en = labels(spec)
    return f"「{label_ja}」{ja} / {label_en}: {en}"


def _split(exc: Exception) -> tuple[str, str]:
    """core.text errors are "日本語 / English": keep both halves."""
    text = str(exc)
    ja, sep, en = text.partition(" / ")
    return (ja, en) if sep else (text, text)


def _string(raw: object, spec: Mapping[str, Any]) -> str | None:
    """A raw scalar as a stripped string; None when empty. Refuses lists, dicts, huge text."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise Invalid(
            message(spec, "の値の形式が正しくありません", "the value has the wrong shape")
        )
    text = str(raw)
    if len(text) > MAX_RAW:
        raise Invalid(
            message(spec, f"が長すぎます（{MAX_RAW:,}文字まで）", f"too long (max {MAX_RAW:,})")
        )
    text = _CONTROL.sub("", text).strip()
    return text or None


def is_empty(value: object) -> bool:
    """What "not answered" means for a stored value (False counts for a checkbox)."""
    return value is None or value is False or value == "" or value == [] or value == {}


# --- parsers: raw (HTML string or JSON) -> canonical value or None ------------


def parse_text(raw: object, spec: Mapping[str, Any]) -> str | None:
    text = _string(raw, spec)
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not spec.get("multiline"):
        text = _SPACES.sub(" ", text.replace("\n", " "))
    return text


def parse_kana(raw: object, spec: Mapping[str, Any]) -> str | None:
    text = _string(raw, spec)
    if text is None:
        return None
    kana = _SPACES.sub("　", to_katakana(text)).strip("　")
    if not is_kana(kana):
        raise Invalid(
            message(
                spec,
                "はカタカナで入力してください（ひらがな・半角カナも使えます）",
                "enter katakana (hiragana and half-width kana are accepted)",
            )
        )
    return kana


def parse_name(raw: object, spec: Mapping[str, Any]) -> dict[str, str] | None:
    """{"family", "given", "family_kana", "given_kana"}; a plain "髙橋 太郎" is split once."""
    if isinstance(raw, str):
        text = _string(raw, spec) or ""
        family, _, given = _SPACES.sub(" ", text).partition(" ")
        raw = {"family": family, "given": given}
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise Invalid(
            message(spec, "の値の形式が正しくありません", "the value has the wrong shape")
        )
    value: dict[str, str] = {}
    problems: list[str] = []
    for part in NAME_PARTS:
        try:
            text = _string(raw.get(part), spec) or ""
        except Invalid as exc:
            problems += exc.messages
            continue
        text = _SPACES.sub(" ", text)
        if part.endswith("_kana") and text:
            kana = _SPACES.sub("　", to_katakana(text)).strip("　")
            if not is_kana(kana):
                problems.append(
                    message(
                        spec,
                        "のフリガナはカタカナで入力してください",
                        "enter the reading in katakana",
                    )
                )
            text = kana
        value[part] = text
    if problems:
        raise Invalid(*dict.fromkeys(problems))
    return value if any(value.values()) else None


def parse_date(raw: object, spec: Mapping[str, Any]) -> str | None:
    """ISO "YYYY-MM-DD" from 西暦/和暦 text, a date, or {"era"?, "year", "month", "day"}."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, Mapping):
        parts = [_string(raw.get(k), spec) or "" for k in ("era", "year", "month", "day")]
        if not any(parts):
            return None
        era, year, month, day = parts
        raw = f"{era}{year}年{month}月{day}日"
    text = _string(raw, spec)
    if text is None:
        return None
    try:
        return _parse_date_text(text).isoformat()
    except WarekiError as exc:
        ja, en = _split(exc)
        raise Invalid(message(spec, f"：{ja}", en)) from None


def _parse_date_text(text: str) -> dt.date:
    try:
        return core_parse_date(text)
    except WarekiError:
        # "令和0年13月" (no day) cannot be parsed at all; say what is wrong with the
        # year and month if there is something, and that the day is missing.
        folded = normalize_digits(normalize_width(text))
        if re.fullmatch(r".*\d+\s*月", folded) and not re.search(r"日", folded):
            try:
                core_parse_date(folded + "1日")
            except WarekiError as inner:
                raise inner from None
            raise WarekiError("日まで入力してください / enter the day as well") from None
        raise


def parse_postal_code(raw: object, spec: Mapping[str, Any]) -> str | None:
    text = _string(raw, spec)
    if text is None:
        return None
    try:
        return normalize_postal_code(text)
    except ValueError:
        raise Invalid(
            message(
                spec,
                "は7桁の数字で入力してください（例: 297-0022）",
                "enter 7 digits (e.g. 297-0022)",
            )
        ) from None


def parse_phone(raw: object, spec: Mapping[str, Any]) -> str | None:
    text = _string(raw, spec)
    if text is None:
        return None
    digits = normalize_phone(text)
    stray = _PHONE_STRAY.search(normalize_digits(normalize_width(text)))
    if stray or not re.fullmatch(r"0\d{9,10}", digits):
        raise Invalid(
            message(
                spec,
                "は0から始まる10桁または11桁の番号で入力してください（例: 0475-23-2111）",
                "enter 10 or 11 digits starting with 0 (e.g. 0475-23-2111)",
            )
        )
    return digits


def parse_email(raw: object, spec: Mapping[str, Any]) -> str | None:
    text = _string(raw, spec)
    if text is None:
        return None
    text = normalize_width(text).replace(" ", "")
    try:
        _email(text)
    except ValidationError:
        raise Invalid(
            message(
                spec,
                "の形式が正しくありません（例: taro@example.jp）",
                "not a valid e-mail address (e.g. taro@example.jp)",
            )
        ) from None
    return text


def _parse_int(raw: object, spec: Mapping[str, Any], *, money: bool) -> int | None:
    if isinstance(raw, bool):
        raise Invalid(message(spec, "は数で入力してください", "enter a number"))
    if isinstance(raw, int):
        value = raw
    else:
        text = _string(raw, spec)
        if text is None:
            return None
        text = normalize_digits(normalize_width(text)).replace(" ", "")
        if money:
            text = text.removeprefix("¥").removeprefix("\\").removesuffix("円").replace(",", "")
        if not _INT_RE.fullmatch(text):
            if money:
                raise Invalid(
                    message(
                        spec,
                        "は円単位の整数で入力してください（例: 1,200）",
                        "enter whole yen (e.g. 1,200)",
                    )
                )
            raise Invalid(message(spec, "は整数で入力してください", "enter a whole number"))
        value = int(text)
    if abs(value) > MAX_INT:
        raise Invalid(message(spec, "の値が大きすぎます", "the value is too large"))
    return value


def parse_number(raw: object, spec: Mapping[str, Any]) -> int | None:
    return _parse_int(raw, spec, money=False)


def parse_money(raw: object, spec: Mapping[str, Any]) -> int | None:
    return _parse_int(raw, spec, money=True)


def parse_choice(raw: object, spec: Mapping[str, Any]) -> str | None:
    return _string(raw, spec)


def parse_multichoice(raw: object, spec: Mapping[str, Any]) -> list[str] | None:
    if raw is None or raw == "":
        return None
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or len(items) > 200:
        raise Invalid(
            message(spec, "の値の形式が正しくありません", "the value has the wrong shape")
        )
    chosen = {s for s in (_string(x, spec) for x in items) if s is not None}
    order = [str(c.get("value")) for c in spec.get("choices") or () if isinstance(c, Mapping)]
    # Keep the definition's order (stable, so parsing a stored value is idempotent).
    value = [v for v in order if v in chosen] + sorted(chosen - set(order))
    return value or None


def parse_checkbox(raw: object, spec: Mapping[str, Any]) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, list | tuple) and len(raw) == 1:  # <input type=hidden> + checkbox
        raw = raw[-1]
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        word = str(raw).strip().lower()[:20]
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise Invalid(message(spec, "の値の形式が正しくありません", "the value has the wrong shape"))


def parse_file(raw: object, spec: Mapping[str, Any]) -> str | None:
    text = _string(raw, spec)
    if text is None:
        return None
    if not _FILE_REF.fullmatch(text):
        raise Invalid(
            message(
                spec,
                "の添付ファイルが見つかりません。もう一度添付してください",
                "attachment not found; attach the file again",
            )
        )
    return text


# --- validators: canonical value -> messages --------------------------------


def validate_length(value: str, spec: Mapping[str, Any]) -> list[str]:
    limit = int(spec.get("max_length") or DEFAULT_MAX_LENGTH.get(str(spec.get("type")), 1000))
    if len(value) > limit:
        return [
            message(
                spec,
                f"は{limit:,}文字以内で入力してください（{len(value):,}文字）",
                f"at most {limit:,} characters ({len(value):,} given)",
            )
        ]
    return []


def validate_name(value: dict[str, str], spec: Mapping[str, Any]) -> list[str]:
    out = []
    if not value.get("family"):
        out.append(message(spec, "の氏（姓）を入力してください", "enter the family name"))
    for part in NAME_PARTS:
        if len(value.get(part, "")) > 100:
            out.append(
                message(
                    spec, "は各欄100文字以内で入力してください", "at most 100 characters per part"
                )
            )
            break
    return out


def validate_range(value: int | str, spec: Mapping[str, Any]) -> list[str]:
    low, high = spec.get("min"), spec.get("max")
    unit_ja, unit_en = ("円", " yen") if spec.get("type") == "money" else ("", "")
    if spec.get("type") == "money" and low is None:
        low = 0
    if low is not None and value < low:
        return [
            message(
                spec,
                f"は{low:,}{unit_ja}以上で入力してください",
                f"must be at least {low:,}{unit_en}",
            )
        ]
    if high is not None and value > high:
        return [
            message(
                spec,
                f"は{high:,}{unit_ja}以下で入力してください",
                f"must be at most {high:,}{unit_en}",
            )
        ]
    return []


def validate_date(value: str, spec: Mapping[str, Any]) -> list[str]:
    low, high = spec.get("min"), spec.get("max")
    if isinstance(low, str) and value < low:
        return [message(spec, f"は{low}以降の日付を入力してください", f"must be on or after {low}")]
    if isinstance(high, str) and value > high:
        return [
            message(spec, f"は{high}以前の日付を入力してください", f"must be on or before {high}")
        ]
    return []


def _choice_values(spec: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(
        str(c.get("value")) for c in spec.get("choices") or () if isinstance(c, Mapping)
    )


def validate_choice(value: str, spec: Mapping[str, Any]) -> list[str]:
    # A scan, not a set: forms have a handful of choices and this runs per field per request.
    if not any(
        isinstance(c, Mapping) and c.get("value") == value for c in spec.get("choices") or ()
    ):
        return [message(spec, "は一覧から選んでください", "choose one of the listed options")]
    return []


def validate_multichoice(value: list[str], spec: Mapping[str, Any]) -> list[str]:
    if not set(value) <= _choice_values(spec):
        return [message(spec, "は一覧から選んでください", "choose from the listed options")]
    low, high = spec.get("min"), spec.get("max")
    if low is not None and len(value) < low:
        return [message(spec, f"は{low}個以上選んでください", f"choose at least {low}")]
    if high is not None and len(value) > high:
        return [message(spec, f"は{high}個まで選べます", f"choose at most {high}")]
    return []


def warn_name(value: dict[str, str], spec: Mapping[str, Any]) -> list[str]:
    odd = outside_jis_x_0213("".join(value.get(p, "") for p in ("family", "given")))
    if not odd:
        return []
    chars = "".join(odd)
    return [
        message(
            spec,
            f"の「{chars}」は一部のシステムで表示できない文字です。そのまま受け付けますが、"
            "確認のご連絡をすることがあります",
            f"{chars!r} is outside JIS X 0213; it is kept as typed, "
            "the office may contact you to confirm it",
        )
    ]


def no_messages(_value: Any, _spec: Mapping[str, Any]) -> list[str]:
    return []
