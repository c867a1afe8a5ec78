"""Tests for mado.core.text.charset (no database needed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text.charset import is_within_jis_x_0213, outside_jis_x_0213


@pytest.mark.parametrize(
    "ch",
    ["\ufa11", "邊", "邉", "齋", "齊", "德", "栁", "瀨", "塚", "A", "~", "\\", "あ", "ア", "ｱ",
     "ー", "〜", "㍻", "か\u309a"],
)  # fmt: skip
def test_inside(ch: str) -> None:
    assert is_within_jis_x_0213(ch)
    assert outside_jis_x_0213(ch) == []


@pytest.mark.parametrize("ch", ["髙", "\U00020bb7", "\u32ff", "\u2014", "😀", "\u309a"])
def test_outside(ch: str) -> None:
    assert not is_within_jis_x_0213(ch)
    assert outside_jis_x_0213(ch) == [ch]


def test_outside_lists_in_order_without_duplicates() -> None:
    assert outside_jis_x_0213("髙橋𠮷田 髙木") == ["髙", "\U00020bb7"]
    assert outside_jis_x_0213("ア\u309a") == ["\u309a"]  # ア゚ is not a JIS X 0213 character
    assert outside_jis_x_0213("") == []
    assert is_within_jis_x_0213("")


def _encodes(s: str) -> bool:
    try:
        s.encode("euc_jis_2004")
    except UnicodeEncodeError:
        return False
    return True


ALPHABET = st.sampled_from(
    ["髙", "高", "𠮷", "吉", "﨑", "a", " ", "か", "ア", "\u309a", "\u3099", "😀", "—", "―", "㋿",
     "塚", "\ufa10", "¥", "ﾊ"]
)  # fmt: skip


@settings(max_examples=200)
@given(st.text(alphabet=ALPHABET, max_size=15))
def test_agrees_with_whole_string_encoding(s: str) -> None:
    assert is_within_jis_x_0213(s) == _encodes(s)
    assert is_within_jis_x_0213(s) == (outside_jis_x_0213(s) == [])
    assert set(outside_jis_x_0213(s)) <= set(s)


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(max_codepoint=0x7E, min_codepoint=0x20), max_size=30))
def test_ascii_is_inside(s: str) -> None:
    assert is_within_jis_x_0213(s)
