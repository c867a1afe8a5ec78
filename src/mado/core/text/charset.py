"""Detect characters outside JIS X 0213:2004 (JIS2004 / 第1・第2面).

Why this exists: many downstream systems a municipality talks to (住基ネット
adjacent systems, printing vendors, banks' transfer files, older
Shift_JIS-based packages) can only carry JIS X 0213 characters.  A name
containing e.g. 髙 or 𠮷 must be flagged at entry time so that staff can
record an agreed substitute or 外字 handling, instead of the character being
silently turned into '?' in an export months later.

Implementation: Python's ``euc_jis_2004`` codec encodes exactly JIS X 0213
planes 1 and 2 (plus ASCII and JIS X 0201 kana), so a character is inside
if it encodes.  Results are cached per character.

Verified empirically with CPython 3.11's codec (and pinned by tests):

* 髙 U+9AD9 (はしご高) is **outside**: it is an IBM/NEC extension in CP932,
  not part of JIS X 0213.
* 𠮷 U+20BB7 (つちよし) is **outside**: JIS X 0213 has no such character.
* 﨑 U+FA11, 邊 U+908A, 邉 U+9089, 齋 U+9F4B, 德, 栁, 瀨 are inside.
* ASCII, hiragana, katakana (full and half width) are inside.
* A lone combining sound mark (U+3099/U+309A) is outside — JIS X 0213
  only has kana+mark as precomposed pairs such as か゚ — as are U+2014 EM
  DASH, ¥, ￢ (the codec maps the JIS glyphs to ―, \\, ¬) and ㋿ (令和,
  added to Unicode after JIS X 0213:2004).

A combining mark is judged together with the character before it, so the
JIS X 0213 two-code-point characters (か゚, ㇷ゚, è̀ ...) are inside.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["is_within_jis_x_0213", "outside_jis_x_0213"]


@lru_cache(maxsize=65536)
def _is_inside(ch: str) -> bool:
    try:
        ch.encode("euc_jis_2004")
    except UnicodeEncodeError:
        return False
    return True


def _outside(s: str) -> list[str]:
    out: list[str] = []
    for i, ch in enumerate(s):
        if _is_inside(ch):
            continue
        if i and unicodedata.combining(ch) and _is_inside(s[i - 1] + ch):
            continue
        out.append(ch)
    return out


def outside_jis_x_0213(s: str) -> list[str]:
    """Characters of *s* that are not in JIS X 0213:2004, in order, without duplicates."""
    return list(dict.fromkeys(_outside(s)))


def is_within_jis_x_0213(s: str) -> bool:
    """True if every character of *s* is in JIS X 0213:2004 (planes 1 and 2)."""
    return not _outside(s)
