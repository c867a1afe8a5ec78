"""Japanese era dates (和暦): conversion, formatting and lenient parsing.

Why this exists: birth dates on forms, 住民票 and legacy data arrive as
平成2年4月1日, H2.4.1, ｈ０２／０４／０１ or 1990-04-01, and certificates must
print dates in 和暦.  Parsing must be lenient about notation but strict
about validity: 平成31年5月1日 or 昭和64年1月8日 never existed and must be
rejected, not silently rolled over.

Implemented here rather than with ``japanera`` because that package models
historical era boundaries differently from what municipal systems use (its
明治 starts 1868-01-23 and overlaps 慶応, and end dates are the next era's
start), and we need exactly five eras with first days as in the table below.

Era first days (Gregorian):

* 明治 1868-10-23 — the day of the 改元 (明治 was retroactively applied to the
  whole lunisolar year 慶応4年, which we do not model).  Until 明治5年12月2日
  Japan used the lunisolar calendar; the Gregorian calendar started on
  明治6年1月1日 = 1873-01-01.  Dates before 1873-01-01 are treated as
  Gregorian dates converted to the era by year arithmetic (1870-03-01 is
  明治3年3月1日); they are *not* lunisolar dates.  Dates before 1868-10-23
  have no era and raise :class:`WarekiError`.
* 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01.

The era year is ``gregorian_year - first_year + 1``; the first year is 元年
in formatted output (``gannen=True``) and is accepted as 元, 1 or 01 when
parsing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .width import normalize_digits, normalize_width

__all__ = [
    "ERAS",
    "Era",
    "Wareki",
    "WarekiError",
    "format_wareki",
    "parse_date",
    "to_wareki",
    "wareki_to_date",
]


class WarekiError(ValueError):
    """Invalid or unparsable date; the message is Japanese first, then English."""


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    romaji: str  # Reiwa
    start: dt.date  # first day
    end: dt.date | None  # last day, None for the current era

    def max_year(self) -> int | None:
        return None if self.end is None else self.end.year - self.start.year + 1


ERAS: tuple[Era, ...] = (
    Era("明治", "M", "Meiji", dt.date(1868, 10, 23), dt.date(1912, 7, 29)),
    Era("大正", "T", "Taisho", dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("昭和", "S", "Showa", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "H", "Heisei", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "R", "Reiwa", dt.date(2019, 5, 1), None),
)
_BY_TOKEN: dict[str, Era] = {}
for _era in ERAS:
    _BY_TOKEN[_era.name] = _era
    _BY_TOKEN[_era.name[0]] = _era  # 昭45.1.1
    _BY_TOKEN[_era.letter] = _era
    _BY_TOKEN[_era.letter.lower()] = _era
# Squared era ligatures ㍾ ㍽ ㍼ ㍻ ㋿.
_BY_TOKEN.update(
    {"\u337e": ERAS[0], "\u337d": ERAS[1], "\u337c": ERAS[2], "\u337b": ERAS[3], "\u32ff": ERAS[4]}
)


@dataclass(frozen=True)
class Wareki:
    era: str  # 令和
    letter: str  # R
    year: int  # 1 for 元年
    month: int
    day: int

    def format(self, *, gannen: bool = True) -> str:
        year = "元" if gannen and self.year == 1 else str(self.year)
        return f"{self.era}{year}年{self.month}月{self.day}日"

    def __str__(self) -> str:
        return self.format()


def _era_of(d: dt.date) -> Era:
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    raise WarekiError(
        f"{d.isoformat()} は明治より前のため和暦に変換できません"
        f" / {d.isoformat()} is before the Meiji era and has no supported Japanese era"
    )


def to_wareki(d: dt.date) -> Wareki:
    """Convert a Gregorian date to its era representation."""
    era = _era_of(d)
    return Wareki(era.name, era.letter, d.year - era.start.year + 1, d.month, d.day)


def format_wareki(d: dt.date, *, gannen: bool = True) -> str:
    """'令和元年5月1日' (or '令和1年5月1日' with ``gannen=False``)."""
    return to_wareki(d).format(gannen=gannen)


def _label(era: Era, year: int) -> tuple[str, str]:
    ja = f"{era.name}{'元' if year == 1 else year}年"
    return ja, f"{era.romaji} {year}"


def wareki_to_date(era: str, year: int, month: int, day: int) -> dt.date:
    """Gregorian date of an era date; *era* is a name (平成), letter (H/h) or ligature.

    Raises :class:`WarekiError` if the era year or the date did not exist.
    """
    e = _BY_TOKEN.get(era)
    if e is None:
        raise WarekiError(f"元号「{era}」は使用できません / Unknown era: {era!r}")
    max_year = e.max_year()
    if year < 1 or (max_year is not None and year > max_year):
        ja, en = _label(e, year)
        raise WarekiError(f"{ja}は存在しません / {en} does not exist")
    try:
        d = dt.date(e.start.year + year - 1, month, day)
    except ValueError:
        ja, en = _label(e, year)
        raise WarekiError(
            f"{ja}{month}月{day}日は存在しない日付です"
            f" / {en}-{month:02d}-{day:02d} is not a valid date"
        ) from None
    if d < e.start or (e.end is not None and d > e.end):
        ja, en = _label(e, year)
        if d < e.start:
            ja_why, en_why = f"{e.name}は{_ja_date(e.start)}から", f"{e.romaji} began on {e.start}"
        else:
            assert e.end is not None
            ja_why, en_why = f"{e.name}は{_ja_date(e.end)}まで", f"{e.romaji} ended on {e.end}"
        raise WarekiError(
            f"{ja}{month}月{day}日は存在しません（{ja_why}）"
            f" / {en}-{month:02d}-{day:02d} does not exist ({en_why})"
        )
    return d


def _ja_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- parsing ---------------------------------------------------------------

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
                 "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_KANJI_NUMBER = re.compile("[〇零一二三四五六七八九十]+")


def _kanji_to_int(run: str) -> str:
    """'二' → '2', '十二' → '12', '三十一' → '31', '一九九〇' → '1990'."""
    if "十" in run:
        tens, _, ones = run.partition("十")
        if "十" in ones or len(tens) > 1 or len(ones) > 1:
            return run  # not a number we understand; the parser will reject it
        value = _KANJI_DIGITS[tens] * 10 if tens else 10
        return str(value + (_KANJI_DIGITS[ones] if ones else 0))
    return "".join(str(_KANJI_DIGITS[ch]) for ch in run)


_ERA_GROUP = "(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHRmtshr\u337b-\u337e\u32ff])"
_YEAR = r"(?P<year>元|\d{1,3})"
_MD_KANJI = r"(?P<month>\d{1,2})月(?P<day>\d{1,2})日"
_MD_SEP = r"(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
_PATTERNS_ERA = (
    re.compile(f"{_ERA_GROUP}{_YEAR}年{_MD_KANJI}"),
    re.compile(f"{_ERA_GROUP}{_YEAR}{_MD_SEP}"),
    re.compile(f"{_ERA_GROUP}(?P<year>\\d{{2}})(?P<month>\\d{{2}})(?P<day>\\d{{2}})"),  # S450101
)
_PATTERNS_GREGORIAN = (
    re.compile(r"(?P<year>\d{4})年" + _MD_KANJI),
    re.compile(r"(?P<year>\d{4})" + _MD_SEP),
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"),  # 19900401
)


def _clean(s: str) -> str:
    t = normalize_digits(normalize_width(s))
    t = "".join(t.split())
    return _KANJI_NUMBER.sub(lambda m: _kanji_to_int(m.group(0)), t)


def parse_date(s: str) -> dt.date:
    """Parse a Gregorian or 和暦 date written in any common notation.

    Accepted (digits may be full-width or kanji numerals; spaces ignored):
    '1990-04-01', '1990/4/1', '1990.4.1', '1990年4月1日', '19900401',
    '平成2年4月1日', '平成二年四月一日', '令和元年5月1日', 'H2.4.1', 'h02/04/01',
    'R元.5.1', '平2.4.1', '㍻2年4月1日', 'S450101'.

    Raises :class:`WarekiError` (a ``ValueError``) for text that is not a
    date, for dates that do not exist (2月30日) and for era dates outside
    their era (平成31年5月1日, 昭和64年1月8日, 令和0年...).
    """
    t = _clean(s)
    for pattern in _PATTERNS_ERA:
        m = pattern.fullmatch(t)
        if m:
            year = 1 if m["year"] == "元" else int(m["year"])
            return wareki_to_date(m["era"], year, int(m["month"]), int(m["day"]))
    for pattern in _PATTERNS_GREGORIAN:
        m = pattern.fullmatch(t)
        if m:
            year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise WarekiError(
                    f"{year}年{month}月{day}日は存在しない日付です"
                    f" / {year:04d}-{month:02d}-{day:02d} is not a valid date"
                ) from None
    raise WarekiError(f"日付として解釈できません: {s!r} / Cannot parse as a date: {s!r}")
