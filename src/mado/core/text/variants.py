"""Variant-kanji (異体字) folding for name and address *search keys*.

Why this exists: the registry must find 髙橋 when staff type 高橋, and 渡邉
when they type 渡辺, without ever changing how the resident's name is
stored.  Storage keeps the original characters (including CJK compatibility
ideographs and variation sequences); only search keys pass through
:func:`fold_variants` / :func:`search_form`, and both the stored key and the
query are folded the same way.

Folding is a per-character mapping built once at import from:

1. every CJK compatibility ideograph (U+F900–U+FAFF, U+2F800–U+2FA1F) that
   has a canonical (singleton) decomposition, e.g. U+FA10 塚 → U+585A 塚.
   The twelve "unified" ideographs in that block (﨑 U+FA11 among them) have
   no decomposition and are covered by the table instead;
2. the curated table in :mod:`mado.core.text.variant_table`;
3. variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF, i.e. IVS such as
   葛󠄀) are deleted, so 葛 with or without an IVS gives the same key.

Chains (compat → variant → canonical) are resolved at import, so
``fold_variants`` is idempotent.
"""

from __future__ import annotations

import unicodedata

from .variant_table import VARIANTS
from .width import normalize_width

__all__ = ["FOLD_TABLE", "fold_variants", "search_form"]

_COMPAT_RANGES = (range(0xF900, 0xFB00), range(0x2F800, 0x2FA20))
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))


def _build_fold_table() -> dict[int, str | None]:
    mapping: dict[str, str] = {}
    for block in _COMPAT_RANGES:
        for cp in block:
            decomposition = unicodedata.decomposition(chr(cp))
            if decomposition and not decomposition.startswith("<") and " " not in decomposition:
                mapping[chr(cp)] = chr(int(decomposition, 16))
    mapping.update(VARIANTS)

    def resolve(ch: str) -> str:
        seen = {ch}
        while ch in mapping:
            ch = mapping[ch]
            if ch in seen:  # pragma: no cover - guarded by a test on the data
                raise ValueError(f"cycle in variant table at {ch!r}")
            seen.add(ch)
        return ch

    table: dict[int, str | None] = {ord(k): resolve(k) for k in mapping}
    for block in _VARIATION_SELECTORS:
        for cp in block:
            table[cp] = None
    return table


#: ``str.translate`` table: variant code point → canonical character (or None
#: to delete variation selectors).  Exposed for tests and for SQL-side reuse.
FOLD_TABLE: dict[int, str | None] = _build_fold_table()

# Small and large ケ/カ are interchangeable in names and places (三ヶ島, 一ヵ所).
_SEARCH_EXTRA = str.maketrans({"ヶ": "ケ", "ヵ": "カ", "ゖ": "ケ", "ゕ": "カ"})


def fold_variants(s: str) -> str:
    """Map variant kanji to their canonical search form (髙→高, 﨑→崎, 邊→辺 ...).

    Only kanji and variation selectors are affected; everything else,
    including width, is returned unchanged.  For search keys only — never
    store the result in place of the original.
    """
    return s.translate(FOLD_TABLE)


def search_form(s: str) -> str:
    """The kanji search key: width-normalised, variant-folded, no spaces.

    ``search_form('髙橋　一郞')`` == ``search_form('高橋一郎')`` == '高橋一郎'.
    """
    folded = fold_variants(normalize_width(s)).translate(_SEARCH_EXTRA)
    return "".join(folded.split())
