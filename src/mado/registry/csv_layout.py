"""The registry CSV layout (住民記録CSVレイアウト): columns, cell parsing, cell formatting.

Why a separate module: the layout is a contract with the city's core system
(住民記録システム) and with the clerks who open the file in a spreadsheet. One
table (:data:`COLUMNS`) says, per column, its English code name (GLOSSARY.md),
its Japanese label, whether it is required and how a cell is read and written;
the importer, the exporter and ``docs/registry-csv.md`` all follow it, so the
three cannot drift apart.

Reading is lenient in the ways real files differ (和暦 dates, full-width digits,
男/女, 日本人/外国人, はい/いいえ, ○), strict about meaning (an unreadable date
is an error, never a guess), and never alters a name: kanji are kept exactly
as given and characters outside JIS X 0213 are reported as warnings only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mado.core.text import (
    WarekiError,
    normalize_postal_code,
    normalize_width,
    outside_jis_x_0213,
    parse_date,
    to_katakana,
)
from mado.registry import my_number as mn


class CellError(ValueError):
    """A cell that cannot be read; the message is bilingual (日本語 / English)."""


@dataclass(frozen=True)
class Column:
    name: str  # English code name (GLOSSARY.md), the header of the column
    label: str  # Japanese label, also accepted as a header
    kind: str  # id, text, name, kana, date, sex, postal, nationality_type, status, bool, my_number
    required: bool = False
    max_length: int = 0
    fmt: str = ""  # human description of the format, for the docs
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("atena_number", "宛名番号", "id", True, 20, "英数字とハイフン(20文字以内)", "000000012"),
    Column(
        "household_number", "世帯番号", "id", True, 20, "英数字とハイフン(20文字以内)", "H00000005"
    ),
    Column("relationship", "続柄", "text", True, 30, "文字列(世帯主, 妻, 子 …)", "世帯主"),
    Column("family_name", "氏", "name", True, 100, "文字どおり保存(JIS X 0213 外は警告)", "髙橋"),
    Column("given_name", "名", "name", False, 100, "同上", "太郎"),
    Column(
        "family_name_kana",
        "氏(フリガナ)",
        "kana",
        True,
        200,
        "カナ(ひらがな・半角カナは全角カタカナに変換)",
        "タカハシ",
    ),
    Column("given_name_kana", "名(フリガナ)", "kana", False, 200, "同上", "タロウ"),
    Column("former_surname", "旧氏", "name", False, 100, "文字どおり保存", ""),
    Column("former_surname_kana", "旧氏(フリガナ)", "kana", False, 200, "カナ", ""),
    Column("alias_name", "通称", "name", False, 200, "文字どおり保存", ""),
    Column(
        "birth_date",
        "生年月日",
        "date",
        True,
        0,
        "YYYY-MM-DD または 和暦(平成2年4月1日)",
        "1980-04-01",
    ),
    Column("sex", "性別", "sex", True, 0, "M/F(男/女, 1/2 も可)", "M"),
    Column("postal_code", "郵便番号", "postal", True, 0, "7桁(100-0001, 全角も可)", "297-0022"),
    Column(
        "address",
        "住所",
        "text",
        True,
        300,
        "文字列(改行を含む場合は引用符で囲む)",
        "千葉県茂原市町保1番地",
    ),
    Column("address_extra", "方書", "text", False, 200, "文字列", "メゾン町保101"),
    Column("address_since", "住所を定めた日", "date", True, 0, "日付", "2010-04-01"),
    Column("resident_since", "住民となった日", "date", True, 0, "日付", "2010-04-01"),
    Column("previous_address", "前住所", "text", False, 300, "文字列", ""),
    Column(
        "nationality_type",
        "国籍区分",
        "nationality_type",
        False,
        0,
        "japanese/foreign(日本人/外国人 も可)。空欄は japanese",
        "japanese",
    ),
    Column(
        "honseki", "本籍", "text", False, 300, "日本人のみ(空欄は警告)", "千葉県茂原市町保1番地"
    ),
    Column("hittousha", "筆頭者", "name", False, 100, "日本人のみ", "髙橋　太郎"),
    Column("nationality", "国籍・地域", "text", False, 100, "外国人住民は必須", ""),
    Column("residence_status", "在留資格", "text", False, 100, "外国人住民は必須", ""),
    Column("residence_expiry", "在留期間の満了の日", "date", False, 0, "日付", ""),
    Column(
        "status",
        "状態",
        "status",
        False,
        0,
        "active/moved_out/deceased(住民/転出/死亡 も可)。空欄は active",
        "active",
    ),
    Column("status_date", "異動日", "date", False, 0, "日付", ""),
    Column(
        "national_health_insurance",
        "国民健康保険",
        "bool",
        False,
        0,
        "1/0, true/false, はい/いいえ, ○/空欄",
        "1",
    ),
    Column("late_elderly_insurance", "後期高齢者医療", "bool", False, 0, "同上", "0"),
    Column("long_term_care_insurance", "介護保険", "bool", False, 0, "同上", "0"),
    Column("national_pension_type1", "国民年金第1号", "bool", False, 0, "同上", "1"),
    Column("child_allowance", "児童手当", "bool", False, 0, "同上", "0"),
    Column(
        "my_number", "個人番号", "my_number", False, 0, "12桁(空欄は既存の番号を変更しない)", ""
    ),
)

COLUMN_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
# Model fields written by the importer (every column but my_number, which is encrypted).
MODEL_FIELDS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind != "my_number")
# Kinds whose cells are free text: these are the ones protected against formula injection.
TEXT_KINDS = frozenset({"text", "name"})
FORMULA_START = ("=", "+", "-", "@")
_FORMULA_ESCAPED = re.compile(r"^'+[=+\-@]")
_FORMULA_RISK = re.compile(r"^'*[=+\-@]")

_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]*$")
_KANA_CHARS = re.compile(r"^[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff・ ]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_SEX = {"m": "M", "男": "M", "男性": "M", "1": "M", "f": "F", "女": "F", "女性": "F", "2": "F"}
_NATIONALITY = {
    "japanese": "japanese",
    "日本人": "japanese",
    "日本": "japanese",
    "foreign": "foreign",
    "外国人": "foreign",
    "外国人住民": "foreign",
}
_STATUS = {
    "active": "active",
    "住民": "active",
    "在住": "active",
    "moved_out": "moved_out",
    "転出": "moved_out",
    "deceased": "deceased",
    "死亡": "deceased",
}
_TRUE = frozenset({"1", "true", "t", "yes", "y", "はい", "○", "◯", "〇", "有", "あり"})
_FALSE = frozenset({"", "0", "false", "f", "no", "n", "いいえ", "×", "無", "なし"})


# ---------------------------------------------------------------- formula injection


def escape_formula(value: str) -> str:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula (=, +, -, @).

    A value that already starts with apostrophes followed by such a character
    gets one more, so that :func:`unescape_formula` restores it exactly.
    """
    return "'" + value if _FORMULA_RISK.match(value) else value


def unescape_formula(value: str) -> str:
    """Inverse of :func:`escape_formula`: drop the one apostrophe the exporter added."""
    return value[1:] if _FORMULA_ESCAPED.match(value) else value


# ---------------------------------------------------------------- reading cells


def _plain(value: str) -> str:
    """Width-folded, trimmed form for codes, dates and flags (never for names)."""
    value = " ".join(value.split()) if value.isascii() else normalize_width(value)
    return value[1:].strip() if value.startswith("'") else value


def _read_id(col: Column, raw: str) -> str:
    value = _plain(raw)
    if not value:
        raise CellError(f"{col.label}は必須です / {col.name} is required")
    if len(value) > col.max_length or not _ID.match(value):
        raise CellError(
            f"{col.label}は英数字とハイフン{col.max_length}文字以内です / "
            f"{col.name} must be up to {col.max_length} letters, digits or hyphens"
        )
    return value


def _read_text(col: Column, raw: str) -> str:
    value = unescape_formula(raw.strip())
    if col.max_length and len(value) > col.max_length:
        raise CellError(
            f"{col.label}は{col.max_length}文字以内です / "
            f"{col.name} must be at most {col.max_length} characters"
        )
    return value


def _read_kana(col: Column, raw: str) -> str:
    value = to_katakana(unescape_formula(raw.strip()))
    if not value:
        return ""
    if not _KANA_CHARS.match(value):
        raise CellError(
            f"{col.label}はカナで入力してください(「{value[:20]}」) / "
            f"{col.name} must be kana (got {value[:20]!r})"
        )
    if len(value) > col.max_length:
        raise CellError(
            f"{col.label}は{col.max_length}文字以内です / "
            f"{col.name} must be at most {col.max_length} characters"
        )
    return value


def read_date(col: Column, raw: str) -> dt.date | None:
    value = _plain(raw)
    if not value:
        return None
    if _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass  # 2023-02-30: fall through to the common message
    else:
        try:
            parsed = parse_date(value)
        except (WarekiError, ValueError, TypeError):
            parsed = None
        if isinstance(parsed, dt.date):
            return parsed
    raise CellError(
        f"{col.label}「{value[:20]}」は日付として読めません(YYYY-MM-DD または 平成2年4月1日) / "
        f"{col.name} {value[:20]!r} is not a date (YYYY-MM-DD or wareki such as 平成2年4月1日)"
    )


def _read_choice(col: Column, raw: str, table: dict[str, str], allowed: str) -> str:
    value = _plain(raw)
    if value.lower() in table:
        return table[value.lower()]
    raise CellError(
        f"{col.label}「{value[:20]}」は {allowed} のいずれかです / "
        f"{col.name} {value[:20]!r} must be one of {allowed}"
    )


def _read_postal(col: Column, raw: str) -> str:
    value = _plain(raw)
    if not value:
        raise CellError(f"{col.label}は必須です / {col.name} is required")
    try:
        code = normalize_postal_code(value)
    except (ValueError, TypeError):
        code = None
    if not code or len(code) != 7 or not code.isdigit():
        raise CellError(
            f"{col.label}「{value[:20]}」は7桁の郵便番号ではありません / "
            f"{col.name} {value[:20]!r} is not a 7-digit postal code"
        )
    return code


def _read_bool(col: Column, raw: str) -> bool:
    value = _plain(raw)
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise CellError(
        f"{col.label}「{value[:20]}」は 1/0, true/false, はい/いいえ, ○/空欄 のいずれかです / "
        f"{col.name} {value[:20]!r} must be 1/0, true/false, はい/いいえ or ○/empty"
    )


def _read_my_number(col: Column, raw: str) -> str:
    value = _plain(raw)
    if not value:
        return ""
    try:
        return mn.normalize(value)
    except mn.MyNumberError as exc:
        raise CellError(str(exc)) from exc


_READERS: dict[str, Callable[[Column, str], Any]] = {
    "id": _read_id,
    "text": _read_text,
    "name": _read_text,
    "kana": _read_kana,
    "date": read_date,
    "sex": lambda c, v: _read_choice(c, v, _SEX, "M, F, 男, 女, 1, 2"),
    "postal": _read_postal,
    "nationality_type": lambda c, v: _read_choice(
        c, v or "japanese", _NATIONALITY, "japanese, foreign, 日本人, 外国人"
    ),
    "status": lambda c, v: _read_choice(
        c, v or "active", _STATUS, "active, moved_out, deceased, 住民, 転出, 死亡"
    ),
    "bool": _read_bool,
    "my_number": _read_my_number,
}


def read_cell(col: Column, raw: str) -> Any:
    """The model value of one cell; raises :class:`CellError` with a bilingual message."""
    value = _READERS[col.kind](col, raw)
    if col.required and (value is None or value == ""):
        raise CellError(f"{col.label}は必須です / {col.name} is required")
    return value


def name_warning(col: Column, value: str) -> str | None:
    """A warning for characters outside JIS X 0213 (kept as given, never replaced)."""
    if col.kind != "name" or not value:
        return None
    outside = outside_jis_x_0213(value)
    if not outside:
        return None
    chars = "".join(dict.fromkeys(str(ch) for ch in outside))
    return (
        f"{col.label}に JIS X 0213 外の文字「{chars}」があります(そのまま保存します) / "
        f"{col.name} has characters outside JIS X 0213 ({chars}); kept as given"
    )


# ---------------------------------------------------------------- writing cells


def format_cell(col: Column, value: Any) -> str:
    """The CSV text of one model value (the exact inverse of :func:`read_cell`)."""
    if col.kind == "date":
        return value.isoformat() if value else ""
    if col.kind == "bool":
        return "1" if value else "0"
    if col.kind == "postal":
        value = value or ""
        return f"{value[:3]}-{value[3:]}" if len(value) == 7 else value
    if col.kind in TEXT_KINDS:
        return escape_formula(value or "")
    return "" if value is None else str(value)
