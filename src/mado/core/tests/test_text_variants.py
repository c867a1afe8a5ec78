"""Tests for mado.core.text.variants and its data table (no database needed)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text.variant_table import VARIANTS
from mado.core.text.variants import FOLD_TABLE, fold_variants, search_form

REQUIRED = {
    "髙": "高", "\ufa11": "崎", "嵜": "崎", "碕": "崎", "邊": "辺", "邉": "辺",
    "齋": "斉", "齊": "斉", "斎": "斉", "濵": "浜", "濱": "浜", "澤": "沢", "櫻": "桜",
    "國": "国", "廣": "広", "眞": "真", "惠": "恵", "德": "徳", "黑": "黒", "瀨": "瀬",
    "栁": "柳", "\U00020bb7": "吉", "冨": "富", "嶋": "島", "嶌": "島", "壽": "寿",
    "實": "実", "與": "与", "藏": "蔵", "龍": "竜", "舘": "館", "曾": "曽", "澁": "渋",
    "條": "条", "彌": "弥", "萬": "万", "來": "来", "邨": "村", "槇": "槙",
    "\ufa10": "\u585a", "\ufa4f": "\u7950",
}  # fmt: skip


@pytest.mark.parametrize(("variant", "canonical"), REQUIRED.items())
def test_required_pairs(variant: str, canonical: str) -> None:
    assert fold_variants(variant) == canonical


def test_fuchi_variants_share_one_form() -> None:
    assert fold_variants("淵") == fold_variants("渕")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("髙橋", "高橋"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("齋藤", "斉藤"),
        ("齊藤", "斎藤"),
        ("山﨑", "山崎"),
        ("𠮷田", "吉田"),
        ("濵田", "浜田"),
        ("櫻井", "桜井"),
        ("長嶋", "長島"),
        ("髙橋　一郞", "高橋一郎"),
        ("ＳＡＴＯ 花子", "SATO花子"),
        ("三ヶ島", "三ケ島"),
        ("葛\U000e0100飾", "葛飾"),  # ideographic variation sequence
    ],
)
def test_search_form_matches_variants(a: str, b: str) -> None:
    assert search_form(a) == search_form(b)


def test_search_form_keeps_distinct_names_apart() -> None:
    assert search_form("高橋") != search_form("高槁")
    assert search_form("佐藤") != search_form("左藤")


def test_fold_leaves_non_variants_alone() -> None:
    text = "山田 太郎 やまだ ﾀﾛｳ ABC １２３"
    assert fold_variants(text) == text


def test_table_size_and_shape() -> None:
    assert len(VARIANTS) >= 150
    for variant, canonical in VARIANTS.items():
        assert variant != canonical
        assert len(variant) == 1 and len(canonical) == 1
        assert "CJK" in unicodedata.name(variant) and "CJK" in unicodedata.name(canonical)


def test_fold_table_is_fully_resolved() -> None:
    targets = {v for v in FOLD_TABLE.values() if v is not None}
    assert not any(ord(t) in FOLD_TABLE for t in targets)


def test_all_decomposable_compatibility_ideographs_fold() -> None:
    for block in (range(0xF900, 0xFB00), range(0x2F800, 0x2FA20)):
        for cp in block:
            ch = chr(cp)
            decomposition = unicodedata.decomposition(ch)
            if decomposition and not decomposition.startswith("<"):
                folded = fold_variants(ch)
                assert folded == fold_variants(unicodedata.normalize("NFC", ch))
                assert not 0xF900 <= ord(folded) <= 0xFAFF


CJK_SAMPLE = st.sampled_from(
    [*VARIANTS, *VARIANTS.values(), *(chr(cp) for cp in range(0xF900, 0xFA6E)), "\ufe00",
     "\U000e0101", "山", "田", " ", "　", "ｱ", "a"]
)  # fmt: skip


@settings(max_examples=200)
@given(st.text(alphabet=CJK_SAMPLE, max_size=20))
def test_fold_and_search_form_idempotent(s: str) -> None:
    once = fold_variants(s)
    assert fold_variants(once) == once
    key = search_form(s)
    assert search_form(key) == key
    assert " " not in key


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_fold_idempotent_on_any_text(s: str) -> None:
    once = fold_variants(s)
    assert fold_variants(once) == once
    assert len(once) <= len(s)


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FFF), max_size=30))
def test_fold_changes_nothing_outside_cjk(s: str) -> None:
    assert fold_variants(s) == s
