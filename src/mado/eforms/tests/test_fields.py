"""Field types: every accepted input shape becomes one canonical value, with clear messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.eforms.fields import MAX_RAW, check, is_empty

CHOICES = [
    {"value": "work", "label": "勤務先"},
    {"value": "bank", "label": "銀行"},
    {"value": "other", "label": "その他"},
]


def spec(kind: str, **extra: Any) -> dict[str, Any]:
    return {"key": "k", "type": kind, "label": "項目", "label_en": "Item", **extra}


def value(kind: str, raw: Any, **extra: Any) -> Any:
    checked = check(raw, spec(kind, **extra), "k")
    assert not checked.errors, checked.errors
    return checked.value


def errors(kind: str, raw: Any, **extra: Any) -> list[str]:
    checked = check(raw, spec(kind, **extra), "k")
    assert checked.errors, f"{raw!r} accepted as {checked.value!r}"
    messages = checked.errors["k"]
    for m in messages:
        ja, sep, en = m.partition(" / ")
        assert sep and "「項目」" in ja and en.startswith("Item:"), m
    return messages


# --- kana -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ﾀｶﾊｼ ﾀﾛｳ", "タカハシ　タロウ"),  # half-width: normalised, not refused
        ("ｶﾞｯｺｳ", "ガッコウ"),
        ("たかはし", "タカハシ"),
        ("タカハシ", "タカハシ"),
        ("  ヤマザキ　 ジロウ ", "ヤマザキ　ジロウ"),
        ("", None),
    ],
)
def test_kana_is_normalised_to_full_width_katakana(raw: str, expected: str | None) -> None:
    assert value("kana", raw) == expected


@pytest.mark.parametrize("raw", ["高橋", "Takahashi", "タカハシ1"])
def test_kana_refuses_what_is_not_kana(raw: str) -> None:
    assert "カタカナで入力してください" in errors("kana", raw)[0]


# --- dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("令和2年4月1日", "2020-04-01"),
        ("R2.4.1", "2020-04-01"),
        ("平成元年1月8日", "1989-01-08"),
        ("１９９０年４月１日", "1990-04-01"),
        ("1990-04-01", "1990-04-01"),
        (dt.date(2001, 2, 3), "2001-02-03"),
        ({"era": "令和", "year": "2", "month": "4", "day": "1"}, "2020-04-01"),
        ({"year": "2020", "month": "4", "day": "1"}, "2020-04-01"),
        ({"year": "", "month": "", "day": ""}, None),
    ],
)
def test_dates_accept_seireki_and_wareki(raw: Any, expected: str | None) -> None:
    assert value("date", raw) == expected


def test_impossible_wareki_date_has_a_clear_message() -> None:
    (message,) = errors("date", "令和0年13月")
    assert "令和0年は存在しません" in message and "Reiwa 0 does not exist" in message
    assert "存在しない日付" in errors("date", "令和2年2月30日")[0]
    assert "日まで入力してください" in errors("date", "令和2年4月")[0]
    assert "平成31年5月1日" in errors("date", "平成31年5月1日")[0]
    assert "日付として解釈できません" in errors("date", "きのう")[0]


def test_date_bounds() -> None:
    assert "2000-01-01以降" in errors("date", "1999-12-31", min="2000-01-01")[0]
    assert value("date", "2000-01-01", min="2000-01-01", max="2000-12-31") == "2000-01-01"


# --- postal codes, phones, e-mail ------------------------------------------------


@pytest.mark.parametrize("raw", ["297-0022", "〒２９７－００２２", "2970022", "297ｰ0022"])
def test_postal_codes(raw: str) -> None:
    assert value("postal_code", raw) == "2970022"


@pytest.mark.parametrize("raw", ["297-002", "29700222", "abc-defg", "297--0022"])
def test_bad_postal_codes(raw: str) -> None:
    assert "7桁の数字" in errors("postal_code", raw)[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0475-23-2111", "0475232111"),
        ("０９０－１２３４－５６７８", "09012345678"),
        ("+81 90-1234-5678", "09012345678"),
        ("(0475) 23 2111", "0475232111"),
    ],
)
def test_phones(raw: str, expected: str) -> None:
    assert value("phone", raw) == expected


@pytest.mark.parametrize(
    "raw", ["123-4567", "0475-23-211", "090-1234-56789", "1475232111", "0475-23-2111 内線5"]
)
def test_bad_phones(raw: str) -> None:
    assert "10桁または11桁" in errors("phone", raw)[0]


def test_email() -> None:
    assert value("email", "ｔａｒｏ@example.jp") == "taro@example.jp"
    assert "形式が正しくありません" in errors("email", "taro@")[0]
    assert errors("email", "a@b.jp", max_length=5)


# --- numbers and money -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("number", "１２", 12),
        ("number", 7, 7),
        ("number", "-3", -3),
        ("number", " 5 ", 5),
        ("money", "1,200", 1200),
        ("money", "１，２００円", 1200),
        ("money", "¥3000", 3000),
        ("money", 0, 0),
    ],
)
def test_numbers(kind: str, raw: Any, expected: int) -> None:
    assert value(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "fragment"),
    [
        ("number", "1.5", "整数"),
        ("number", "十", "整数"),
        ("number", True, "数"),
        ("number", "1,000", "整数"),
        ("money", "12.5", "円単位"),
        ("money", "-1", "0円以上"),
        ("number", "99999999999999", "大きすぎ"),
    ],
)
def test_bad_numbers(kind: str, raw: Any, fragment: str) -> None:
    assert fragment in errors(kind, raw)[0]


def test_number_range() -> None:
    assert "1以上" in errors("number", "0", min=1, max=10)[0]
    assert "10以下" in errors("number", "11", min=1, max=10)[0]
    assert "5,000円以下" in errors("money", "6000", max=5000)[0]


# --- choices, checkbox, text, file ------------------------------------------------


def test_choice_and_multichoice() -> None:
    assert value("choice", "work", choices=CHOICES) == "work"
    assert "一覧から選んで" in errors("choice", "villa", choices=CHOICES)[0]
    assert value("multichoice", ["other", "work", "work"], choices=CHOICES) == ["work", "other"]
    assert value("multichoice", "bank", choices=CHOICES) == ["bank"]
    assert value("multichoice", [], choices=CHOICES) is None
    assert errors("multichoice", ["work", "villa"], choices=CHOICES)
    assert "2個まで" in errors("multichoice", ["work", "bank", "other"], choices=CHOICES, max=2)[0]
    assert errors("multichoice", {"a": 1}, choices=CHOICES)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("on", True),
        ("true", True),
        (True, True),
        ("1", True),
        (None, False),
        ("", False),
        ("off", False),
        (False, False),
        (["on"], True),
    ],
)
def test_checkbox(raw: Any, expected: bool) -> None:
    assert check(raw, spec("checkbox"), "k").value is expected


def test_text() -> None:
    assert value("text", "  a\r\nb  ") == "a b"
    assert value("text", "a\r\nb", multiline=True) == "a\nb"
    assert value("text", "a\x00b") == "ab"
    assert "5文字以内" in errors("text", "abcdef", max_length=5)[0]
    assert "長すぎます" in errors("text", "x" * (MAX_RAW + 1))[0]
    assert "形式が正しくありません" in errors("text", ["a"])[0]


def test_file_reference() -> None:
    assert value("file", "att_01HZX") == "att_01HZX"
    assert errors("file", "../../etc/passwd")


# --- names ------------------------------------------------------------------------


def test_names_keep_their_characters_and_normalise_readings() -> None:
    v = value(
        "name", {"family": "髙橋", "given": "太郎", "family_kana": "ﾀｶﾊｼ", "given_kana": "たろう"}
    )
    assert v == {
        "family": "髙橋",
        "given": "太郎",
        "family_kana": "タカハシ",
        "given_kana": "タロウ",
    }
    assert value("name", "山﨑　次郎")["given"] == "次郎"
    assert value("name", {"family": "", "given": ""}) is None
    assert "氏（姓）を入力" in errors("name", {"given": "太郎"})[0]
    assert "カタカナ" in errors("name", {"family": "髙橋", "family_kana": "高橋"})[0]
    assert errors("name", ["髙橋"])


def test_a_name_outside_jis_x_0213_is_a_warning_not_an_error() -> None:
    checked = check({"family": "𠮷田", "given": "太郎"}, spec("name"), "k")
    assert checked.errors == {}
    assert checked.value["family"] == "𠮷田"  # kept as typed
    assert "𠮷" in checked.warnings["k"][0]
    assert check({"family": "高橋"}, spec("name"), "k").warnings == {}
    assert "髙" in check({"family": "髙橋"}, spec("name"), "k").warnings["k"][0]


# --- groups -------------------------------------------------------------------------

GROUP = spec(
    "group",
    min=1,
    max=3,
    fields=[
        {"key": "name", "type": "name", "label": "氏名", "required": True},
        {"key": "birth_date", "type": "date", "label": "生年月日"},
    ],
)


def test_group_rows_are_validated_by_their_child_fields() -> None:
    checked = check(
        {
            "0": {"name": {"family": "髙橋"}, "birth_date": "R2.4.1"},
            "1": {"name": {"family": ""}, "birth_date": ""},  # blank row: dropped
            "2": {"birth_date": "令和0年1月1日"},
        },
        GROUP,
        "members",
    )
    assert checked.value[0] == {
        "name": {"family": "髙橋", "given": "", "family_kana": "", "given_kana": ""},
        "birth_date": "2020-04-01",
    }
    assert "令和0年" in checked.errors["members[1].birth_date"][0]
    assert "を入力してください" in checked.errors["members[1].name"][0]  # required per row
    checked = check([{"birth_date": "2020-01-01"}], GROUP, "members")
    assert "「氏名」を入力してください" in checked.errors["members[0].name"][0]
    assert "1件以上" in check([], GROUP, "members").errors["members"][0]
    assert "3件まで" in check([{"name": "髙橋 一"}] * 4, GROUP, "members").errors["members"][0]
    assert check("x", GROUP, "members").errors
    assert check([1, 2], GROUP, "members").errors["members"]
    assert check({"a": {}}, GROUP, "members").errors


# --- normalisation is idempotent (property-based) -----------------------------------

KANA = st.text(
    st.sampled_from("あいうえおかがきぎゃゅょっアイウエオカガパピャッーｱｲｳｶﾞﾊﾟｯｰ 　"),
    min_size=1,
    max_size=20,
)


def _idempotent(kind: str, raw: Any) -> None:
    first = check(raw, spec(kind), "k")
    if first.errors or first.value is None:
        return
    second = check(first.value, spec(kind), "k")
    assert second.errors == {} and second.value == first.value, (raw, first.value, second.value)


@settings(max_examples=200, deadline=None)
@given(KANA)
def test_kana_normalisation_is_idempotent(raw: str) -> None:
    _idempotent("kana", raw)
    first = check(raw, spec("kana"), "k").value
    if first is not None:
        assert all(
            not ("\u3041" <= ch <= "\u3096") and not ("\uff61" <= ch <= "\uff9f") for ch in first
        )


@settings(max_examples=200, deadline=None)
@given(
    st.dates(dt.date(1868, 10, 23), dt.date(2100, 1, 1)),
    st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "W"]),
)
def test_date_normalisation_is_idempotent(day: dt.date, pattern: str) -> None:
    from mado.core.text import format_wareki

    raw = (
        format_wareki(day) if pattern == "W" else pattern.format(y=day.year, m=day.month, d=day.day)
    )
    assert value("date", raw) == day.isoformat()
    _idempotent("date", raw)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"〒?[0-9０-９]{3}[-－ｰ]?[0-9０-９]{4}", fullmatch=True))
def test_postal_normalisation_is_idempotent(raw: str) -> None:
    assert len(value("postal_code", raw)) == 7
    _idempotent("postal_code", raw)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"0[0-9]{1,4}[-－ ]?[0-9]{1,4}[-－ ]?[0-9]{4}", fullmatch=True))
def test_phone_normalisation_is_idempotent(raw: str) -> None:
    _idempotent("phone", raw)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**11), st.booleans(), st.booleans())
def test_money_normalisation_is_idempotent(amount: int, commas: bool, yen: bool) -> None:
    raw = f"{amount:,}" if commas else str(amount)
    raw = raw + "円" if yen else raw
    assert value("money", raw) == amount
    _idempotent("money", raw)


ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
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
        ]
    ),
    ANY,
)
def test_garbage_never_raises(kind: str, raw: Any) -> None:
    checked = check(raw, spec(kind, choices=CHOICES), "k")
    assert checked.errors or checked.value is None or not is_empty(checked.value) or True
    assert "処理できませんでした" not in str(checked.errors)  # no input reaches the safety net
    check(raw, GROUP, "members")
