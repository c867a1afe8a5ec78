"""Tests for mado.core.text.wareki (no database needed)."""

from __future__ import annotations

import datetime as dt
import itertools

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text.wareki import (
    ERAS,
    Wareki,
    WarekiError,
    format_wareki,
    parse_date,
    to_wareki,
    wareki_to_date,
)

D = dt.date


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (D(2019, 5, 1), "令和元年5月1日"),
        (D(2019, 4, 30), "平成31年4月30日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(1926, 12, 24), "大正15年12月24日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
        (D(1912, 7, 29), "明治45年7月29日"),
        (D(1912, 7, 30), "大正元年7月30日"),
        (D(1868, 10, 23), "明治元年10月23日"),
        (D(1873, 1, 1), "明治6年1月1日"),
        (D(2024, 2, 29), "令和6年2月29日"),
    ],
)
def test_format_wareki(d: dt.date, text: str) -> None:
    assert format_wareki(d) == text
    assert parse_date(text) == d


def test_to_wareki_dataclass() -> None:
    w = to_wareki(D(1990, 4, 1))
    assert w == Wareki("平成", "H", 2, 4, 1)
    assert str(to_wareki(D(2019, 5, 1))) == "令和元年5月1日"
    assert format_wareki(D(2019, 5, 1), gannen=False) == "令和1年5月1日"
    with pytest.raises(AttributeError):
        w.year = 3  # type: ignore[misc]


def test_before_meiji_is_rejected() -> None:
    with pytest.raises(WarekiError):
        to_wareki(D(1868, 10, 22))
    assert format_wareki(D(1870, 3, 1)) == "明治3年3月1日"  # Gregorian-converted


@pytest.mark.parametrize(
    "text",
    [
        "1990-04-01", "1990/4/1", "1990.4.1", "1990年4月1日", "１９９０年４月１日", "19900401",
        "１９９０－０４－０１", "1990ー4ー1", " 1990 年 4 月 1 日 ", "平成2年4月1日",
        "平成２年４月１日", "H2.4.1", "h02/04/01", "Ｈ２．４．１", "平2.4.1", "㍻2年4月1日",
        "平成二年四月一日", "一九九〇年四月一日", "H020401",
    ],
)  # fmt: skip
def test_parse_date_forms(text: str) -> None:
    assert parse_date(text) == D(1990, 4, 1)


def test_parse_date_more_forms() -> None:
    assert parse_date("令和元年5月1日") == D(2019, 5, 1)
    assert parse_date("R1.5.1") == D(2019, 5, 1)
    assert parse_date("R元.5.1") == D(2019, 5, 1)
    assert parse_date("昭和64年1月7日") == D(1989, 1, 7)
    assert parse_date("S450101") == D(1970, 1, 1)
    assert parse_date("平成三十一年四月三十日") == D(2019, 4, 30)
    assert parse_date("昭和二十年八月十五日") == D(1945, 8, 15)
    assert parse_date("M45.7.29") == D(1912, 7, 29)
    assert parse_date("T1.7.30") == D(1912, 7, 30)
    assert parse_date("令和100年1月1日") == D(2118, 1, 1)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("平成32年1月1日", "平成32年は存在しません / Heisei 32 does not exist"),
        ("平成31年5月1日", "存在しません"),
        ("昭和64年1月8日", "Showa"),
        ("令和0年1月1日", "令和0年は存在しません"),
        ("令和元年4月30日", "Reiwa began on 2019-05-01"),
        ("大正16年1月1日", "大正16年"),
        ("2001年2月30日", "存在しない日付"),
        ("平成2年2月30日", "存在しない日付"),
        ("2001-13-01", "not a valid date"),
        ("hello", "日付として解釈できません"),
        ("", "Cannot parse"),
        ("平成2年4月", "Cannot parse"),
        ("X2.4.1", "Cannot parse"),
        ("1990/4-1", "Cannot parse"),
    ],
)
def test_parse_date_errors(text: str, fragment: str) -> None:
    with pytest.raises(WarekiError) as excinfo:
        parse_date(text)
    message = str(excinfo.value)
    assert fragment in message
    ja, en = message.split(" / ", 1)  # Japanese first, then English
    assert not ja.isascii() and en[0].isascii()
    assert isinstance(excinfo.value, ValueError)


def test_wareki_to_date() -> None:
    assert wareki_to_date("平成", 2, 4, 1) == D(1990, 4, 1)
    assert wareki_to_date("H", 2, 4, 1) == D(1990, 4, 1)
    with pytest.raises(WarekiError):
        wareki_to_date("天平", 1, 1, 1)


def test_eras_are_contiguous() -> None:
    for prev, nxt in itertools.pairwise(ERAS):
        assert prev.end is not None and prev.end + dt.timedelta(days=1) == nxt.start


def test_round_trip_every_day_1873_to_2100() -> None:
    d, end, one = D(1873, 1, 1), D(2100, 12, 31), dt.timedelta(days=1)
    while d <= end:
        assert parse_date(format_wareki(d)) == d
        w = to_wareki(d)
        assert parse_date(f"{w.letter}{w.year}.{w.month}.{w.day}") == d
        d += one


DATES = st.dates(min_value=D(1868, 10, 23), max_value=D(2117, 12, 31))  # up to 令和99年


def _kanji_number(n: int) -> str:
    digits = "〇一二三四五六七八九"
    tens, ones = divmod(n, 10)
    tens_part = (("" if tens == 1 else digits[tens]) + "十") if tens else ""
    return tens_part + (digits[ones] if ones else "")


@settings(max_examples=200)
@given(DATES, st.booleans())
def test_round_trip_property(d: dt.date, gannen: bool) -> None:
    text = format_wareki(d, gannen=gannen)
    assert parse_date(text) == d
    assert parse_date(jaconv.h2z(text, kana=False, digit=True)) == d
    w = to_wareki(d)
    assert parse_date(f"{w.era}{_kanji_number(w.year)}年{_kanji_number(w.month)}月"
                      f"{_kanji_number(w.day)}日") == d  # fmt: skip
    assert parse_date(f"{w.letter.lower()}{w.year:02d}/{w.month:02d}/{w.day:02d}") == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == d


@settings(max_examples=200)
@given(st.text(max_size=20))
def test_parse_date_only_raises_wareki_error(s: str) -> None:
    try:
        result = parse_date(s)
    except WarekiError:
        return
    assert isinstance(result, dt.date)


@settings(max_examples=200)
@given(st.sampled_from(ERAS[:-1]), st.integers(min_value=1, max_value=12), st.integers(1, 28))
def test_year_after_era_end_is_rejected(era, month: int, day: int) -> None:  # type: ignore[no-untyped-def]
    max_year = era.max_year()
    with pytest.raises(WarekiError, match="存在しません"):
        parse_date(f"{era.name}{max_year + 1}年{month}月{day}日")
