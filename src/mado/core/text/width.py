"""Character-width and kana normalisation for Japanese input.

Why this exists: residents and staff type the same name, phone number or
address with full-width Latin letters (ＹＡＭＡＤＡ), half-width katakana
(ﾔﾏﾀﾞ), ideographic spaces or a dozen different dashes, depending on the
device and IME.  Comparisons, search keys and validation must not depend on
that.  ``unicodedata.normalize("NFKC", ...)`` is *not* used on whole strings:
NFKC (and even NFC) silently rewrites CJK compatibility ideographs such as
U+FA10 (塚) to their unified counterparts, which would alter the registered
spelling of a name.  Here only width and kana forms are touched; kanji are
always returned exactly as given (variant folding for search lives in
:mod:`mado.core.text.variants`).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = [
    "is_kana",
    "normalize_digits",
    "normalize_phone",
    "normalize_width",
    "to_hiragana",
    "to_katakana",
]

_IDEOGRAPHIC_SPACE = "\u3000"
_COMBINING_VOICED = "\u3099"  # combining katakana-hiragana voiced sound mark
_COMBINING_SEMI_VOICED = "\u309a"
_SPACING_VOICED = "\u309b"  # ゛
_SPACING_SEMI_VOICED = "\u309c"  # ゜
_TO_COMBINING = {
    _COMBINING_VOICED: _COMBINING_VOICED,
    _COMBINING_SEMI_VOICED: _COMBINING_SEMI_VOICED,
    _SPACING_VOICED: _COMBINING_VOICED,
    _SPACING_SEMI_VOICED: _COMBINING_SEMI_VOICED,
}
_TO_SPACING = {_COMBINING_VOICED: _SPACING_VOICED, _COMBINING_SEMI_VOICED: _SPACING_SEMI_VOICED}


def _build_width_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width ASCII (！ .. ～) -> ASCII.
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = chr(cp - 0xFEE0)
    table[ord(_IDEOGRAPHIC_SPACE)] = " "
    # Half-width katakana and punctuation (｡ .. ﾟ) and the full-width
    # currency/sign forms (￠ ￡ ￢ ￣ ￤ ￥ ￦) and half-width forms (￨ .. ￮):
    # these carry only a <narrow>/<wide> compatibility tag, so NFKC of the
    # single character is exactly their width-folded form.  The half-width
    # sound marks ﾞ ﾟ become *combining* marks and are merged below.
    for cp in [*range(0xFF61, 0xFFA0), *range(0xFFE0, 0xFFE7), *range(0xFFE8, 0xFFEF)]:
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch)
        # ￣ (U+FFE3) decomposes to space + combining macron: not a width fold.
        if folded != ch and " " not in folded:
            table[cp] = folded
    return table


_WIDTH_TABLE = _build_width_table()


@lru_cache(maxsize=512)
def _compose(base: str, mark: str) -> str | None:
    """Return base+mark as one precomposed kana (ガ, パ, ヴ ...), or None."""
    composed = unicodedata.normalize("NFC", base + mark)
    return composed if len(composed) == 1 else None


def _is_kana_char(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f" or "\u30a0" <= ch <= "\u30ff"


def _merge_sound_marks(s: str) -> str:
    out: list[str] = []
    for ch in s:
        mark = _TO_COMBINING.get(ch)
        if mark is not None:
            if out and _is_kana_char(out[-1]):
                composed = _compose(out[-1], mark)
                if composed is not None:
                    out[-1] = composed
                    continue
            # A mark that cannot be merged is kept in its visible, spacing form.
            out.append(_TO_SPACING.get(ch, ch))
            continue
        out.append(ch)
    return "".join(out)


def normalize_width(s: str) -> str:
    """Fold character widths the way NFKC would, without touching kanji.

    * full-width ASCII → ASCII (ＡＢＣ１２３ → ABC123)
    * half-width katakana → full-width, sound marks merged (ｶﾞ → ガ, ﾊﾟ → パ);
      decomposed input such as ``カ`` + U+3099 (macOS) is composed as well
    * ideographic space → ASCII space; runs of whitespace collapse to one
      space; leading/trailing whitespace is removed
    * kanji, including CJK compatibility ideographs, are returned unchanged.
    """
    folded = s.translate(_WIDTH_TABLE)
    if any(ch in _TO_COMBINING for ch in folded):
        folded = _merge_sound_marks(folded)
    return " ".join(folded.split())


_HIRA_TO_KATA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_HIRA_TO_KATA.update({0x309D: 0x30FD, 0x309E: 0x30FE})  # ゝゞ -> ヽヾ
_KATA_TO_HIRA = {v: k for k, v in _HIRA_TO_KATA.items()}


def to_katakana(s: str) -> str:
    """Width-normalise *s*, then convert hiragana to katakana (other chars kept)."""
    out = normalize_width(s).translate(_HIRA_TO_KATA)
    if _SPACING_VOICED in out or _SPACING_SEMI_VOICED in out:
        # わ゛ cannot compose but ワ゛ can (ヷ): merge again after conversion.
        out = _merge_sound_marks(out)
    return out


def to_hiragana(s: str) -> str:
    """Width-normalise *s*, then convert katakana to hiragana.

    Katakana without a precomposed hiragana counterpart (ヷ ヸ ヹ ヺ) and the
    prolonged sound mark ー are left as they are.
    """
    return normalize_width(s).translate(_KATA_TO_HIRA)


def _is_kana_or_mark(ch: str) -> bool:
    return (
        "\u3041" <= ch <= "\u3096"  # hiragana
        or ch in "ゝゞゟ"
        or "\u30a1" <= ch <= "\u30fa"  # katakana
        or ch in "ーヽヾヿ・ "
        or "\u31f0" <= ch <= "\u31ff"  # katakana phonetic extensions (Ainu)
    )


def is_kana(s: str) -> bool:
    """True if *s* (after width normalisation) is non-empty and only kana.

    Allowed: hiragana, katakana, ー, ・ and spaces.  An empty or
    whitespace-only string is *not* kana (required-field checks are the
    caller's business, but an empty furigana should never pass as valid).
    """
    norm = normalize_width(s)
    return bool(norm.strip()) and all(_is_kana_or_mark(ch) for ch in norm)


# Every dash a resident might type between digits: hyphen-minus variants,
# Unicode dashes, the minus sign, and the katakana prolonged sound marks
# (full- and half-width), which IMEs produce for "-" in kana mode.
_HYPHENS = "－‐‑‒–—―−⁃﹣ーｰ"
_DIGIT_TABLE: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)}
_DIGIT_TABLE.update({ord(ch): "-" for ch in _HYPHENS})


def normalize_digits(s: str) -> str:
    """Full-width digits → ASCII digits and every kind of dash → ``-``.

    Nothing else is changed; use this on fields that are numeric by nature
    (phone numbers, postal codes, dates, house numbers).  Note that ``ー``
    also becomes ``-``, so never apply it to names.
    """
    return s.translate(_DIGIT_TABLE)


def normalize_phone(s: str) -> str:
    """Canonical digits-only form of a Japanese phone number.

    ``'０３－１２３４－５６７８'``, ``'03 (1234) 5678'`` → ``'0312345678'``;
    an international prefix ``+81`` (optionally followed by a ``(0)``) is
    replaced by the domestic leading ``0``: ``'+81 90-1234-5678'`` →
    ``'09012345678'``.  All non-digits are dropped and the length is *not*
    validated: this is a comparison/storage key, and hyphen placement is
    re-derived for display.  Returns ``''`` if there are no digits.
    """
    t = normalize_digits(normalize_width(s)).replace(" ", "")
    if t.startswith("+81"):
        rest = t[3:]
        if rest.startswith("(0)"):
            rest = rest[3:]
        digits = "".join(ch for ch in rest if "0" <= ch <= "9")
        return "0" + digits.removeprefix("0") if digits else ""
    return "".join(ch for ch in t if "0" <= ch <= "9")
