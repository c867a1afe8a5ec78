"""Tests for mado.core.text.romaji (no database needed)."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text.romaji import (
    kana_search_key,
    katakana_to_romaji,
    query_search_key,
    romaji_to_katakana,
)

SAME_KEY_GROUPS = [
    ["Sato", "Satou", "Satoh", "SATO", "Satō", "サトウ", "さとう", "ｻﾄｳ", "サトー", "サトオ"],
    ["takahashi", "Takahasi", "タカハシ", "ﾀｶﾊｼ", "たかはし", "ＴＡＫＡＨＡＳＨＩ"],
    ["Ohno", "Ono", "Oono", "Ōno", "オオノ", "オウノ", "おおの"],
    ["Yuki", "Yuuki", "ユウキ", "ユーキ", "ゆうき", "ﾕｳｷ"],
    ["Itoh", "Ito", "Itou", "イトウ", "いとう"],
    ["Shibuya", "Sibuya", "シブヤ"],
    ["Tsutsumi", "Tutumi", "ツツミ"],
    ["Chiba", "Tiba", "チバ"],
    ["Fujita", "Huzita", "Hujita", "フジタ"],
    ["Shun'ichi", "Shun-ichi", "シュンイチ", "しゅんいち"],
    ["Honma", "Homma", "ホンマ"],
    ["Kanno", "Kan'no", "カンノ"],
    ["Kyoko", "Kyouko", "Kyoukoh", "キョウコ", "きょうこ", "ｷｮｳｺ"],
    ["Vivian", "ヴィヴィアン", "ビビアン"],
    ["Kondo", "Kondou", "Kondoh", "コンドウ", "こんどう"],
    ["Suzuki", "スズキ", "すずき", "スヅキ"],
]


@pytest.mark.parametrize("group", SAME_KEY_GROUPS, ids=lambda g: g[0])
def test_spellings_share_one_key(group: list[str]) -> None:
    keys = {kana_search_key(s) for s in group}
    assert len(keys) == 1, dict(zip(group, map(kana_search_key, group), strict=True))
    assert {query_search_key(s) for s in group} == keys


def test_expected_keys() -> None:
    assert kana_search_key("サトウ") == "サト"
    assert kana_search_key("タカハシ") == "タカハシ"
    assert kana_search_key("オオノ") == "オノ"
    assert kana_search_key("ユウキ") == "ユキ"
    assert kana_search_key("ヤマダ・タロウ") == "ヤマダタロ"
    assert kana_search_key("ヂヅヲ ヴァ ヴ") == "ジズオバブ"


def test_key_keeps_real_distinctions() -> None:
    assert kana_search_key("ハットリ") != kana_search_key("ハトリ")
    assert kana_search_key("キャク") != kana_search_key("キヤク")
    assert kana_search_key("セイコ") != kana_search_key("セコ")  # エイ is kept
    assert kana_search_key("サトウ") != kana_search_key("サイトウ")
    assert kana_search_key("Sato") != kana_search_key("Saito")


@pytest.mark.parametrize(
    ("romaji", "kana"),
    [
        ("shi si", "シ シ"),
        ("tsu tu chi ti fu hu ji zi", "ツ ツ チ チ フ フ ジ ジ"),
        ("sha sya shu syu cho tyo ja zya jya", "シャ シャ シュ シュ チョ チョ ジャ ジャ ジャ"),
        ("Hattori", "ハットリ"),
        ("Matcha", "マッチャ"),
        ("Macchi", "マッチ"),
        ("Kanna", "カンナ"),
        ("Shinnosuke", "シンノスケ"),
        ("Jun'ichi", "ジュンイチ"),
        ("Junichi", "ジュニチ"),
        ("Kenji", "ケンジ"),
        ("Shinbashi", "シンバシ"),
        ("Sampei", "サンペイ"),
        ("Satoh", "サトウ"),
        ("Ohno", "オウノ"),
        ("Ohara", "オハラ"),
        ("Goh Hiromi", "ゴウ ヒロミ"),
        ("Ōta Yūko", "オウタ ユウコ"),
        ("YAMADA Tarō", "ヤマダ タロウ"),
        ("Sato-Yamada", "サトヤマダ"),
        ("fa fi fe fo va vi vu", "ファ フィ フェ フォ ヴァ ヴィ ヴ"),
        ("thi dhi twu", "ティ ディ トゥ"),
        ("xa xtsu", "ァ ッ"),
        ("yamada太郎", "ヤマダ太郎"),
    ],
)
def test_romaji_to_katakana(romaji: str, kana: str) -> None:
    assert romaji_to_katakana(romaji) == kana


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("サトウ", "satou"),
        ("タカハシ", "takahashi"),
        ("ちば", "chiba"),
        ("ジュンイチ", "jun'ichi"),
        ("シンヤ", "shin'ya"),
        ("ハットリ", "hattori"),
        ("マッチャ", "matcha"),
        ("サトー", "sato"),
        ("ツツジ", "tsutsuji"),
        ("フジ", "fuji"),
        ("キョウコ", "kyouko"),
        ("ヤマダ タロウ", "yamada tarou"),
        ("カンナ", "kanna"),
        ("シンバシ", "shinbashi"),
    ],
)
def test_katakana_to_romaji(kana: str, romaji: str) -> None:
    assert katakana_to_romaji(kana) == romaji


def test_query_search_key() -> None:
    assert query_search_key("佐藤") == ""
    assert query_search_key("佐藤 はなこ") == ""
    assert query_search_key("々") == ""
    assert query_search_key("sato hanako") == query_search_key("ｻﾄｳ ﾊﾅｺ") == "サトハナコ"
    assert query_search_key("") == ""


# --- property-based ----------------------------------------------------------

ALL_KATAKANA = [chr(cp) for cp in range(0x30A1, 0x30FB)] + ["ー"]
SIMPLE = list(
    "アイウエオカキクケコガギグゲゴサシスセソザジズゼゾタチツテトダデドナニヌネノ"
    "ハヒフヘホバビブベボパピプペポマミムメモヤユヨラリルレロワン"
)
DIGRAPHS = ["キャ", "キュ", "キョ", "シャ", "シュ", "ショ", "チャ", "チュ", "チョ", "ジャ", "ジュ",
            "ジョ", "ニャ", "ヒャ", "ミュ", "リョ", "ギョ", "ビャ", "ピュ", "ファ", "フィ", "フェ",
            "フォ", "ヴァ", "ヴィ", "ヴ", "ウィ", "ウェ", "ウォ", "ティ", "ディ", "トゥ", "シェ",
            "チェ", "ジェ", "イェ", "ツァ"]  # fmt: skip
SYLLABLE = st.sampled_from(SIMPLE + DIGRAPHS)
UNIT = st.one_of(SYLLABLE, SYLLABLE.map(lambda s: "ッ" + s), st.just("ン"))
NAMES = st.lists(UNIT, min_size=1, max_size=7).map("".join)
KANA_TEXT = st.text(alphabet=st.sampled_from([*ALL_KATAKANA, " ", "・"]), max_size=20)


@settings(max_examples=200)
@given(NAMES)
def test_romaji_round_trip_is_exact_for_names(name: str) -> None:
    romaji = katakana_to_romaji(name)
    assert romaji.isascii()
    assert romaji_to_katakana(romaji) == name
    assert query_search_key(romaji) == kana_search_key(name)
    assert query_search_key(romaji.upper()) == kana_search_key(name)


@settings(max_examples=200)
@given(KANA_TEXT)
def test_romaji_round_trip_preserves_key_for_any_katakana(k: str) -> None:
    assert kana_search_key(romaji_to_katakana(katakana_to_romaji(k))) == kana_search_key(k)


@settings(max_examples=200)
@given(KANA_TEXT)
def test_key_is_width_and_script_invariant(k: str) -> None:
    key = kana_search_key(k)
    assert kana_search_key(jaconv.z2h(k, kana=True)) == key
    assert kana_search_key(jaconv.kata2hira(k)) == key
    assert kana_search_key(k.replace(" ", "")) == key


@settings(max_examples=200)
@given(
    st.one_of(KANA_TEXT, st.text(max_size=20), st.from_regex(r"[A-Za-z' :-]{0,20}", fullmatch=True))
)
def test_key_idempotent_and_clean(s: str) -> None:
    key = kana_search_key(s)
    assert kana_search_key(key) == key
    assert not any(ch in key for ch in " ー・\u3000")
    assert not any("\u3041" <= ch <= "\u3096" for ch in key)


@settings(max_examples=200)
@given(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True))
def test_romaji_case_insensitive(s: str) -> None:
    assert romaji_to_katakana(s.upper()) == romaji_to_katakana(s.lower())
