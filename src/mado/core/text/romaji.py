"""Romaji ↔ katakana conversion and the phonetic name search key.

Why this exists: a resident's name is registered in kanji with a katakana
reading (フリガナ), but people look it up typing whatever is at hand: romaji
in Hepburn, kunrei-shiki or passport spelling (Satō, Satou, Satoh, Sato),
hiragana, or half-width katakana from an old terminal.  Every such spelling
must reduce to one *search key* so that the registry can be searched
"regardless of how it was typed".

The search key (:func:`kana_search_key`) is deliberately lossy and is never
displayed or stored as a reading.  Its folding rules:

* everything is converted to full-width katakana first (romaji included);
* ヂ→ジ, ヅ→ズ, ヲ→オ, ヰ→イ, ヱ→エ, ヵ→カ, ヶ→ケ, ヮ→ワ;
* the ヴ row folds to the バ row (ヴァ→バ, ヴィ→ビ, ヴ→ブ, ヴェ→ベ, ヴォ→ボ),
  because foreign-origin names are registered either way;
* small kana (ァィゥェォャュョッ) are *kept*: キヤ and キャ, ハトリ and
  ハットリ are different names;
* ー, spaces, ・ and other punctuation are removed, and so are Latin
  letters that are not romaji;
* long vowels written as a vowel sequence collapse: a ウ after an u- or
  o-row kana and an オ after an o-row kana are dropped (オウ/オオ/ウウ/ユウ/
  コウ ...), because Hepburn and passport spellings routinely omit them
  (Sato, Ono, Yuki).  エイ, イイ and アア are kept.

Romaji parsing choices (documented because they are ambiguous):

* ``ti``/``tu``/``di``/``du`` are read kunrei/IME style as チ/ツ/ヂ/ヅ;
  ティ/ディ/トゥ/ドゥ are written ``thi``/``dhi``/``twu``/``dwu``.
* ``wo`` is read as ウォ (ヲ is written ``o`` in Hepburn; names never use ヲ).
* ``l`` is read as ``r``; ``c`` before a vowel as ``k``/``s``; ``x`` prefixes
  a small kana (``xa`` ァ, ``xtsu`` ッ).
* passport ``oh`` is a long vowel (オウ) when followed by a consonant other
  than ``h``/``y`` or by the end of a word: Satoh → サトウ, Ohno → オウノ, but
  ``ohya`` → オヒャ (hya is a syllable) and ``ohara`` → オハラ.
* ``n`` before a consonant or the end, ``n'`` and ``nn`` (not followed by a
  vowel) give ン; ``nn`` + vowel is ン + な-row (Kanna → カンナ); ``m`` before
  ``b``/``m``/``p`` is ン (Homma → ホンマ).
* hyphens and apostrophes only separate syllables (Jun-ichi → ジュンイチ);
  spaces are kept.
* a consonant with no vowel after it (foreign names) becomes the u-row kana,
  o-row for t/d (Victoria → ヴィクトリア); a stray h, w or y is kept as a letter.
"""

from __future__ import annotations

import re
import unicodedata

from .width import normalize_width, to_katakana

__all__ = ["kana_search_key", "katakana_to_romaji", "query_search_key", "romaji_to_katakana"]

_VOWELS = "aiueo"
_ROWS: dict[str, str] = {
    "": "アイウエオ",
    "k": "カキクケコ",
    "g": "ガギグゲゴ",
    "s": "サシスセソ",
    "z": "ザジズゼゾ",
    "t": "タチツテト",
    "d": "ダヂヅデド",
    "n": "ナニヌネノ",
    "h": "ハヒフヘホ",
    "b": "バビブベボ",
    "p": "パピプペポ",
    "m": "マミムメモ",
    "r": "ラリルレロ",
    "l": "ラリルレロ",
}
# Consonant(s) + y + vowel -> i-row kana + small kana.
_Y_BASES = {
    "k": "キ", "g": "ギ", "s": "シ", "z": "ジ", "j": "ジ", "t": "チ", "c": "チ",
    "d": "ヂ", "n": "ニ", "h": "ヒ", "b": "ビ", "p": "ピ", "m": "ミ", "r": "リ",
    "l": "リ", "f": "フ", "v": "ヴ", "th": "テ", "dh": "デ",
}  # fmt: skip
_SMALL_Y = {"a": "ャ", "i": "ィ", "u": "ュ", "e": "ェ", "o": "ョ"}
_SPECIAL = {
    "shi": "シ", "chi": "チ", "tsu": "ツ", "fu": "フ", "ji": "ジ", "vu": "ヴ",
    "ya": "ヤ", "yu": "ユ", "yo": "ヨ", "ye": "イェ", "yi": "イ",
    "wa": "ワ", "wi": "ウィ", "wu": "ウ", "we": "ウェ", "wo": "ウォ",
    "ca": "カ", "ci": "シ", "cu": "ク", "ce": "セ", "co": "コ",
    "thi": "ティ", "thu": "テュ", "dhi": "ディ", "dhu": "デュ", "twu": "トゥ", "dwu": "ドゥ",
    "xa": "ァ", "xi": "ィ", "xu": "ゥ", "xe": "ェ", "xo": "ォ", "xya": "ャ", "xyu": "ュ",
    "xyo": "ョ", "xtu": "ッ", "xtsu": "ッ", "xwa": "ヮ", "xka": "ヵ", "xke": "ヶ",
}  # fmt: skip


def _build_parse_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for cons, kana in _ROWS.items():
        for vowel, k in zip(_VOWELS, kana, strict=True):
            table[cons + vowel] = k
    for cons, base in _Y_BASES.items():
        for vowel, small in _SMALL_Y.items():
            table[cons + "y" + vowel] = base + small
    for prefix, base in (("sh", "シ"), ("ch", "チ"), ("j", "ジ")):
        for vowel, small in _SMALL_Y.items():
            table[prefix + vowel] = base if vowel == "i" else base + small
    for prefix, base in (("f", "フ"), ("v", "ヴ"), ("ts", "ツ")):
        for vowel, small in zip(_VOWELS, "ァィゥェォ", strict=True):
            table[prefix + vowel] = base if vowel == "u" else base + small
    table.update(_SPECIAL)
    return table


_PARSE = _build_parse_table()
_MAX_KEY = max(map(len, _PARSE))
_CONSONANTS = frozenset("bcdfghjklmpqrstvwxyz")
# Best effort for a consonant with no vowel after it (foreign names such as
# Victoria → ヴィクトリア): the u-row kana, o-row for t/d, as katakana loanwords do.
_LONE_CONSONANT = {
    "b": "ブ", "c": "ク", "d": "ド", "f": "フ", "g": "グ", "j": "ジ", "k": "ク", "l": "ル",
    "m": "ム", "p": "プ", "q": "ク", "r": "ル", "s": "ス", "t": "ト", "v": "ヴ", "x": "クス",
    "z": "ズ",
}  # fmt: skip
_MACRONS = str.maketrans(
    {
        **dict.fromkeys("āâĀÂ", "aa"),
        **dict.fromkeys("īîĪÎ", "ii"),
        **dict.fromkeys("ūûŪÛ", "uu"),
        **dict.fromkeys("ēêĒÊ", "ee"),
        **dict.fromkeys("ōôŌÔ", "ou"),
    }
)


def _lower_ascii(ch: str) -> str:
    return ch.lower() if "A" <= ch <= "Z" else ch


def romaji_to_katakana(s: str) -> str:
    """Convert romaji (Hepburn, kunrei or passport spelling) to katakana.

    Case-insensitive; macrons/circumflexes are long vowels (Satō → サトウ).
    Non-Latin characters (kana, kanji, digits) pass through unchanged, spaces
    are kept, hyphens and apostrophes only separate syllables.
    """
    t = "".join(_lower_ascii(ch) for ch in normalize_width(s).translate(_MACRONS))
    out: list[str] = []
    i, n = 0, len(t)
    while i < n:
        c = t[i]
        nxt = t[i + 1] if i + 1 < n else ""
        if c in "'-":
            i += 1
            continue
        if c == "n" and not _starts_syllable(t, i + 1):
            out.append("ン")
            if nxt == "'":
                i += 2
            elif nxt == "n":
                i += 1 if _starts_syllable(t, i + 2) else 2
            else:
                i += 1
            continue
        if c == "m" and nxt and nxt in "bmp":
            out.append("ン")
            i += 1
            continue
        if c in _CONSONANTS and (nxt == c or (c == "t" and t.startswith("ch", i + 1))):
            out.append("ッ")
            i += 1
            continue
        for size in range(min(_MAX_KEY, n - i), 0, -1):
            kana = _PARSE.get(t[i : i + size])
            if kana is not None:
                out.append(kana)
                i += size
                if t[i - 1] == "o" and _is_passport_oh(t, i):
                    out.append("ウ")
                    i += 1
                break
        else:
            out.append(_LONE_CONSONANT.get(c, c))
            i += 1
    return "".join(out)


def _starts_syllable(t: str, i: int) -> bool:
    """True if t[i:] begins with a vowel or 'y'+vowel (so a preceding n is な-row)."""
    if i >= len(t):
        return False
    if t[i] in _VOWELS:
        return True
    return t[i] == "y" and i + 1 < len(t) and t[i + 1] in _VOWELS


def _is_passport_oh(t: str, i: int) -> bool:
    """True if t[i] is an 'h' lengthening the preceding 'o' (Satoh, Ohno)."""
    if i >= len(t) or t[i] != "h":
        return False
    after = t[i + 1] if i + 1 < len(t) else ""
    if not after or not ("a" <= after <= "z"):
        return True  # end of word
    return after not in _VOWELS and after not in "hy"


# --- search key ----------------------------------------------------------

_VOWEL_OF: dict[str, str] = {}
for _vowel, _chars in {
    "a": "アカガサザタダナハバパマヤラワャァヮヵ",
    "i": "イキギシジチヂニヒビピミリヰィ",
    "u": "ウクグスズツヅヌフブプムユルゥュヴ",
    "e": "エケゲセゼテデネヘベペメレヱェヶ",
    "o": "オコゴソゾトドノホボポモヨロヲォョ",
}.items():
    _VOWEL_OF.update(dict.fromkeys(_chars, _vowel))

_VU_ROW = {"ァ": "バ", "ィ": "ビ", "ゥ": "ブ", "ェ": "ベ", "ォ": "ボ",
           "ャ": "ビャ", "ュ": "ビュ", "ョ": "ビョ", "": "ブ"}  # fmt: skip
_VU_RE = re.compile("ヴ([ァィゥェォャュョ]?)")
_KEY_FOLD = str.maketrans(
    {"ヂ": "ジ", "ヅ": "ズ", "ヲ": "オ", "ヰ": "イ", "ヱ": "エ", "ヵ": "カ", "ヶ": "ケ",
     "ヮ": "ワ", "ヷ": "バ", "ヸ": "ビ", "ヹ": "ベ", "ヺ": "ボ"}
)  # fmt: skip
_ASCII_LETTERS = re.compile("[A-Za-z]+")
_HAS_LATIN = re.compile("[A-Za-zāâīîūûēêōôĀÂĪÎŪÛĒÊŌÔ]")


def _is_dropped(ch: str) -> bool:
    return ch == "ー" or unicodedata.category(ch)[0] in "PZ"


def kana_search_key(s: str) -> str:
    """Phonetic search key for a name typed in kana (any width) or romaji.

    'Sato', 'Satou', 'Satoh', 'サトウ', 'さとう', 'ｻﾄｳ' → 'サト';
    'Ohno', 'Ono', 'オオノ' → 'オノ'; 'Yuki', 'ユウキ' → 'ユキ'.
    See the module docstring for the exact folding rules.  Kanji and other
    characters are kept as they are (use :func:`query_search_key` for
    free-text queries).
    """
    t = normalize_width(s)
    if _HAS_LATIN.search(t):
        # Letters left over after romaji parsing (a stray h, w, y) are dropped.
        t = _ASCII_LETTERS.sub("", romaji_to_katakana(t))
    t = "".join(ch for ch in to_katakana(t) if not _is_dropped(ch))
    t = _VU_RE.sub(lambda m: _VU_ROW[m.group(1)], t).translate(_KEY_FOLD)
    out: list[str] = []
    prev = ""
    for ch in t:
        if (ch == "ウ" and prev in ("u", "o")) or (ch == "オ" and prev == "o"):
            continue
        out.append(ch)
        prev = _VOWEL_OF.get(ch, "")
    return "".join(out)


def _is_kanji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3FFFF
        or ch in "々〆"
    )


def query_search_key(s: str) -> str:
    """Search key for a free-text query typed as romaji or kana.

    Returns ``''`` when the query contains kanji: the caller must then use
    the kanji path (:func:`mado.core.text.variants.search_form`).
    """
    if any(_is_kanji(ch) for ch in s):
        return ""
    return kana_search_key(s)


# --- katakana -> romaji ------------------------------------------------------

_SINGLE_OUT: dict[str, str] = {}
for _cons, _kana in _ROWS.items():
    if _cons != "l":
        for _vowel, _k in zip(_VOWELS, _kana, strict=True):
            _SINGLE_OUT[_k] = _cons + _vowel
_SINGLE_OUT.update(
    {"シ": "shi", "ジ": "ji", "チ": "chi", "ツ": "tsu", "ヂ": "ji", "ヅ": "zu", "フ": "fu",
     "ヤ": "ya", "ユ": "yu", "ヨ": "yo", "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o",
     "ヴ": "vu", "ヷ": "va", "ヸ": "vi", "ヹ": "ve", "ヺ": "vo", "ヵ": "ka", "ヶ": "ke",
     "ァ": "xa", "ィ": "xi", "ゥ": "xu", "ェ": "xe", "ォ": "xo",
     "ャ": "xya", "ュ": "xyu", "ョ": "xyo", "ヮ": "xwa"}
)  # fmt: skip
_PAIR_OUT: dict[str, str] = {}
for _base, _prefix in {"キ": "ky", "ギ": "gy", "シ": "sh", "ジ": "j", "チ": "ch", "ヂ": "j",
                       "ニ": "ny", "ヒ": "hy", "ビ": "by", "ピ": "py", "ミ": "my",
                       "リ": "ry"}.items():  # fmt: skip
    for _small, _vowel in (("ャ", "a"), ("ュ", "u"), ("ョ", "o")):
        _PAIR_OUT[_base + _small] = _prefix + _vowel
_PAIR_OUT.update(
    {"シェ": "she", "ジェ": "je", "チェ": "che", "ヂェ": "je", "イェ": "ye",
     "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu",
     "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo", "ヴュ": "vyu",
     "ウィ": "wi", "ウェ": "we", "ウォ": "wo",
     "ツァ": "tsa", "ツィ": "tsi", "ツェ": "tse", "ツォ": "tso",
     "ティ": "thi", "テュ": "thu", "ディ": "dhi", "デュ": "dhu", "トゥ": "twu", "ドゥ": "dwu"}
)  # fmt: skip


def katakana_to_romaji(s: str) -> str:
    """Modified-Hepburn romaji (lowercase) for display and export.

    Hiragana is accepted too.  ー is omitted as in passport spelling
    (サトー → 'sato') while vowel kana are spelled out (サトウ → 'satou');
    ン is 'n', written "n'" before a vowel, y or another ン (ジュンイチ →
    "jun'ichi"); ッ doubles the next consonant ('tch' before ch).  Rare
    combinations without a Hepburn spelling use IME conventions (ティ 'thi',
    small kana 'xa', ッ at a word end 'xtsu'), so that
    ``kana_search_key(romaji_to_katakana(katakana_to_romaji(k)))`` equals
    ``kana_search_key(k)``.  Other characters pass through unchanged.
    """
    t = to_katakana(s).replace("ー", "")
    tokens: list[tuple[str, str]] = []  # (kana, romaji or '' for pass-through)
    i = 0
    while i < len(t):
        pair = t[i : i + 2]
        if pair in _PAIR_OUT:
            tokens.append((pair, _PAIR_OUT[pair]))
            i += 2
            continue
        ch = t[i]
        tokens.append((ch, _SINGLE_OUT.get(ch, "")))
        i += 1
    out: list[str] = []
    for idx, (kana, roma) in enumerate(tokens):
        nxt_kana, nxt = tokens[idx + 1] if idx + 1 < len(tokens) else ("", "")
        if kana == "ン":
            needs_mark = nxt_kana == "ン" or nxt[:1] in ("a", "i", "u", "e", "o", "y")
            out.append("n'" if needs_mark else "n")
        elif kana == "ッ":
            if nxt.startswith("ch"):
                out.append("t")
            elif nxt[:1] in _CONSONANTS and nxt[:1] not in "mx":
                out.append(nxt[0])
            else:
                out.append("xtsu")
        else:
            out.append(roma or kana)
    return "".join(out)
