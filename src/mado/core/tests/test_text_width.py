"""Tests for mado.core.text.width (no database needed)."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text.width import (
    is_kana,
    normalize_digits,
    normalize_phone,
    normalize_width,
    to_hiragana,
    to_katakana,
)

HIRAGANA = [chr(cp) for cp in range(0x3041, 0x3097)]
KATAKANA = [chr(cp) for cp in range(0x30A1, 0x30F7)]
# Katakana that have a half-width form (jaconv is the independent oracle).
HALFABLE_KATAKANA = [ch for ch in KATAKANA if jaconv.z2h(ch) != ch] + ["ー"]
MIXED = st.text(
    alphabet=st.sampled_from(
        [*HIRAGANA, *KATAKANA, "ｶ", "ﾞ", "ﾟ", "ｳ", "ﾊ", "ｰ", "　", " ", "\t", "Ａ", "ｚ", "１",
         "\u3099", "\u309a", "゛", "゜", "漢", "\ufa10", "﨑", "a", "-", "－"]
    ),
    max_size=30,
)  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ　ｘｙｚ　１２３", "ABC xyz 123"),
        ("ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟﾌﾟ ｳﾞ ﾜﾞ", "ガギグ パピプ ヴ ヷ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("  山田\u3000\u3000太郎  \n", "山田 太郎"),
        ("カ\u3099キ\u309a", "ガキ\u309c"),  # NFD input composes; impossible pair stays visible
        ("は゛", "ば"),
        ("｢ｱｲｳ｣･ｰ", "「アイウ」・ー"),
        ("\ufa10本\ufa11", "\ufa10本\ufa11"),  # compatibility ideographs untouched
        ("髙橋", "髙橋"),
        ("", ""),
    ],
)
def test_normalize_width_examples(raw: str, expected: str) -> None:
    assert normalize_width(raw) == expected


def test_normalize_width_does_not_nfkc_kanji() -> None:
    for cp in range(0xF900, 0xFB00):
        ch = chr(cp)
        if ch.isprintable():
            assert normalize_width(ch) == ch


def test_kana_conversion_examples() -> None:
    assert to_katakana("さとう はなこ") == "サトウ ハナコ"
    assert to_katakana("ｻﾄｳ ゆうき") == "サトウ ユウキ"
    assert to_katakana("ゝゞ漢字abc") == "ヽヾ漢字abc"
    assert to_hiragana("サトウ　ハナコ") == "さとう はなこ"
    assert to_hiragana("ｶﾞｯｺｳ") == "がっこう"
    assert to_hiragana("ヴヵヶー") == "ゔゕゖー"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("やまだ たろう", True),
        ("ヤマダ・タロウ", True),
        ("ｻﾄｳ ﾊﾅｺ", True),
        ("スーパー", True),
        ("山田", False),
        ("yamada", False),
        ("ヤマダ1", False),
        ("", False),
        ("   ", False),
    ],
)
def test_is_kana(text: str, expected: bool) -> None:
    assert is_kana(text) is expected


def test_normalize_digits() -> None:
    assert normalize_digits("０１２３４５６７８９") == "0123456789"
    assert normalize_digits("1ー2－3‐4−5–6—7―8ｰ9") == "1-2-3-4-5-6-7-8-9"
    assert normalize_digits("東京都１丁目") == "東京都1丁目"  # nothing else changes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("０３－１２３４－５６７８", "0312345678"),
        ("03 (1234) 5678", "0312345678"),
        ("090ー1234ー5678", "09012345678"),
        ("+81 90-1234-5678", "09012345678"),
        ("+81(0)3-1234-5678", "0312345678"),
        ("なし", ""),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_normalize_width_idempotent_any_text(s: str) -> None:
    once = normalize_width(s)
    assert normalize_width(once) == once


@settings(max_examples=200)
@given(MIXED)
def test_normalize_width_idempotent_and_clean(s: str) -> None:
    out = normalize_width(s)
    assert normalize_width(out) == out
    assert out == out.strip() and "  " not in out and "\u3000" not in out and "\t" not in out
    assert not any("\uff01" <= ch <= "\uff5e" or "\uff61" <= ch <= "\uff9f" for ch in out)
    # kanji survive exactly, in order
    assert [c for c in out if c in "漢\ufa10\ufa11"] == [c for c in s if c in "漢\ufa10\ufa11"]


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(HALFABLE_KATAKANA), max_size=20))
def test_half_width_katakana_becomes_full_width(k: str) -> None:
    half = jaconv.z2h(k, kana=True)
    assert normalize_width(half) == k
    assert to_katakana(jaconv.kata2hira(k)) == k


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(HIRAGANA), max_size=20))
def test_hiragana_katakana_round_trip(h: str) -> None:
    k = to_katakana(h)
    assert all("\u30a1" <= ch <= "\u30f6" for ch in k)
    assert to_hiragana(k) == h


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(KATAKANA), max_size=20))
def test_katakana_hiragana_round_trip(k: str) -> None:
    assert to_katakana(to_hiragana(k)) == k


@settings(max_examples=200)
@given(MIXED)
def test_to_katakana_and_hiragana_idempotent(s: str) -> None:
    k = to_katakana(s)
    assert to_katakana(k) == k
    assert not any("\u3041" <= ch <= "\u3096" for ch in k)
    h = to_hiragana(s)
    assert to_hiragana(h) == h


@settings(max_examples=100)
@given(st.from_regex(r"\+?[0-9０-９ー－\- ()]{0,20}", fullmatch=True))
def test_normalize_phone_is_digits_and_idempotent(s: str) -> None:
    p = normalize_phone(s)
    assert p == "" or (p.isascii() and p.isdigit())
    assert normalize_phone(p) == p
