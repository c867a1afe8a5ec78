"""Property tests for the core.text normalisers that only had example tests.

Why: residents type into every field with whatever their keyboard gives —
full-width digits, other scripts' digits, every dash Unicode has, half-width
kana, stray NULs. Example tests pin the forms we thought of; these properties
say what must hold for *any* input: the output is in the canonical alphabet,
normalising twice changes nothing, and invalid input fails with the
documented error rather than something else (issue 8: a hypothesis test for
every Japanese input normaliser). Normalisers that already had properties
(normalize_width, to_katakana/to_hiragana, normalize_phone, kana_search_key,
romaji round trips, fold_variants/search_form, parse_date, format_wareki,
outside_jis_x_0213) are tested in their own modules.
"""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text import (
    PostalCodeError,
    format_postal_code,
    is_kana,
    kana_search_key,
    normalize_digits,
    normalize_postal_code,
    normalize_width,
    query_search_key,
    to_hiragana,
    to_katakana,
)

ASCII_DIGITS = frozenset("0123456789")
DASHES = "-－‐‑‒–—―−⁃﹣ーｰ"
FULL_DIGITS = "０１２３４５６７８９"
# Anything a keyboard, an IME or a copy-paste can produce, with the tricky parts weighted in.
TYPED = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(DASHES + FULL_DIGITS + "〒 \u3000\x00٣४𝟏"),
    ),
    max_size=20,
)
HIRAGANA = [chr(c) for c in range(0x3041, 0x3097)]
KATAKANA = [chr(c) for c in range(0x30A1, 0x30F7)]
KANA = st.text(alphabet=st.sampled_from([*HIRAGANA, *KATAKANA, "ー", "・", " "]), min_size=1,
               max_size=15)
KANJI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


# -- normalize_digits -----------------------------------------------------------

@settings(max_examples=300)
@given(TYPED)
def test_normalize_digits_is_idempotent_and_keeps_length(s: str) -> None:
    out = normalize_digits(s)
    assert normalize_digits(out) == out
    assert len(out) == len(s)  # a character-for-character mapping: nothing added or lost


@given(st.text(alphabet=st.sampled_from(FULL_DIGITS + "0123456789" + DASHES), max_size=20))
def test_normalize_digits_yields_ascii_digits_and_hyphens(s: str) -> None:
    out = normalize_digits(s)
    assert set(out) <= ASCII_DIGITS | {"-"}
    assert [c.isdigit() for c in out] == [c.isdigit() or c in FULL_DIGITS for c in s]


@given(st.text(alphabet=st.characters(exclude_characters=FULL_DIGITS + DASHES), max_size=20))
def test_normalize_digits_changes_nothing_else(s: str) -> None:
    assert normalize_digits(s) == s


# -- normalize_postal_code / format_postal_code ---------------------------------

SEVEN_DIGITS = st.from_regex(r"[0-9]{7}", fullmatch=True)


@settings(max_examples=300)
@given(TYPED)
def test_postal_code_is_seven_ascii_digits_or_a_clear_error(s: str) -> None:
    """Arabic-Indic or Devanagari digits match a Unicode ``\\d`` but are no postal code."""
    try:
        code = normalize_postal_code(s)
    except PostalCodeError as exc:
        assert "郵便番号" in str(exc) and "postal code" in str(exc)
        return
    assert len(code) == 7 and set(code) <= ASCII_DIGITS
    assert normalize_postal_code(code) == code


@pytest.mark.parametrize("s", ["٣٠٠٠٠٠١", "३००-०००१", "𝟏𝟎𝟎𝟎𝟎𝟎𝟏"])
def test_postal_code_refuses_digits_of_other_scripts(s: str) -> None:
    try:
        code = normalize_postal_code(s)
    except PostalCodeError:
        return
    assert set(code) <= ASCII_DIGITS, code


@given(SEVEN_DIGITS, st.sampled_from(["", "〒", "〒 "]), st.sampled_from(["", "-", "－", "ー"]),
       st.booleans())
def test_format_postal_code_round_trips(digits: str, mark: str, dash: str, wide: bool) -> None:
    typed = mark + digits[:3] + dash + digits[3:]
    if wide:
        typed = jaconv.h2z(typed, digit=True, ascii=True)
    formatted = format_postal_code(typed)
    assert formatted == f"{digits[:3]}-{digits[3:]}"
    assert format_postal_code(formatted) == formatted
    assert normalize_postal_code(formatted) == digits


# -- is_kana ----------------------------------------------------------------------

@given(KANA)
def test_is_kana_accepts_kana_in_any_width_or_script(s: str) -> None:
    if not s.strip():
        assert not is_kana(s)
        return
    assert is_kana(s)
    assert is_kana(to_hiragana(s)) and is_kana(to_katakana(s))
    assert is_kana(jaconv.z2h(to_katakana(s), kana=True))  # half-width ｶﾅ typed by older IMEs


@given(KANA, KANJI, st.integers(min_value=0, max_value=15))
def test_is_kana_refuses_a_single_kanji_anywhere(s: str, kanji: str, at: int) -> None:
    at = min(at, len(s))
    assert not is_kana(s[:at] + kanji + s[at:])


@settings(max_examples=300)
@given(TYPED)
def test_is_kana_is_stable_under_width_normalisation(s: str) -> None:
    assert is_kana(s) == is_kana(normalize_width(s))
    if is_kana(s):
        assert normalize_width(s).strip()


# -- query_search_key -------------------------------------------------------------

@settings(max_examples=300)
@given(st.one_of(TYPED, KANA, st.from_regex(r"[A-Za-z' -]{0,20}", fullmatch=True)))
def test_query_search_key_is_the_kana_key_or_empty_for_kanji(s: str) -> None:
    key = query_search_key(s)
    if key:
        assert key == kana_search_key(s)
        assert query_search_key(key) == key  # idempotent
    assert query_search_key(s) == key  # deterministic (no hidden state)


@given(KANA, KANJI)
def test_query_with_kanji_takes_the_kanji_path(s: str, kanji: str) -> None:
    assert query_search_key(s + kanji) == ""
    assert query_search_key(kanji + s) == ""


@given(KANA)
def test_query_search_key_ignores_script_and_width(s: str) -> None:
    key = query_search_key(s)
    assert query_search_key(to_hiragana(s)) == key
    assert query_search_key(jaconv.z2h(to_katakana(s), kana=True)) == key
