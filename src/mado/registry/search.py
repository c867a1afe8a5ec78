"""Registry search for staff: one query box, any script.

A clerk may type 高橋, 髙橋, たかはし, ﾀｶﾊｼ, タカハシ or takahashi, a full
name with or without a space, or a birth date in 西暦 or 和暦. Each resident
carries folded search tokens (see :func:`tokens_for`): the kanji name with
異体字 folded (髙→高, 﨑→崎, 邊/邉→辺 ...) and a phonetic kana key (long
vowels collapsed, so Sato/Satou/サトウ agree). A query is split on spaces,
each part is folded the same way and matched as a prefix of some token; all
parts must match. The prefix scan uses a btree index, so it stays fast at
100,000 residents.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mado.core.models import Municipality
from mado.core.text import (
    kana_search_key,
    normalize_width,
    parse_date,
    query_search_key,
    search_form,
    to_katakana,
)
from mado.core.text.wareki import WarekiError
from mado.registry.models import ResidentRecord, ResidentSearchToken

_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff々〆ヶ]")
_DATEISH = re.compile(r"^[0-9０-９]|^(明治|大正|昭和|平成|令和|[MTSHRmtshr][0-9０-９元])")


def tokens_for(
    family_name: str, given_name: str, family_kana: str, given_kana: str, *extra: str
) -> list[str]:
    """The search tokens stored for a resident (deduplicated, non-empty)."""
    out: list[str] = []
    fam, giv = search_form(family_name), search_form(given_name)
    # No separate 氏 token: every prefix of the 氏 is a prefix of 氏+名, so the
    # full-name token answers surname queries without duplicate rows.
    out += [fam + giv, giv]
    kfam, kgiv = kana_search_key(family_kana), kana_search_key(given_kana)
    out += [kfam + kgiv, kgiv]
    for e in extra:  # 旧氏, 通称
        if e:
            out.append(search_form(e) if _KANJI.search(e) else kana_search_key(e))
    seen: set[str] = set()
    result = []
    for t in out:
        t = t[:120]
        if t and t not in seen:
            seen.add(t)
            result.append(t)
    return result


@dataclass(frozen=True)
class ParsedQuery:
    name_keys: list[str]
    birth_date: dt.date | None


class QueryError(ValueError):
    """The query cannot be understood (bilingual message)."""


def parse_query(q: str, birth_date: str | None = None) -> ParsedQuery:
    q = normalize_width(q or "")
    keys: list[str] = []
    found_date: dt.date | None = None
    for part in q.split(" "):
        if not part:
            continue
        if _DATEISH.match(part):
            try:
                found_date = parse_date(part)
                continue
            except (WarekiError, ValueError):
                pass
        key = search_form(part) if _KANJI.search(part) else query_search_key(part)
        if not key:
            key = search_form(part)
        if key:
            keys.append(key)
    if birth_date:
        try:
            found_date = parse_date(birth_date)
        except (WarekiError, ValueError) as exc:
            raise QueryError(str(exc)) from exc
    return ParsedQuery(keys, found_date)


def sort_key_for(family_kana: str, given_kana: str) -> str:
    """Display order of search results: 氏 then 名 in katakana (五十音順)."""
    return f"{to_katakana(family_kana)}\u3000{to_katakana(given_kana)}"[:200]


def search(
    municipality: Municipality,
    q: str = "",
    birth_date: str | None = None,
    *,
    include_inactive: bool = False,
    limit: int = 50,
) -> list[ResidentRecord]:
    """Residents of ``municipality`` matching every part of ``q`` and the birth date.

    The matching and ordering run on the token table alone (one prefix range
    per query part, intersected); only the ``limit`` residents shown are read
    from the registry table.
    """
    parsed = parse_query(q, birth_date)
    if not parsed.name_keys:
        if parsed.birth_date is None:
            return []
        qs = ResidentRecord.unscoped.filter(municipality=municipality, birth_date=parsed.birth_date)
        if not include_inactive:
            qs = qs.filter(status="active")
        return list(
            qs.select_related("household").order_by("family_name_kana", "given_name_kana", "pk")[
                :limit
            ]
        )
    base = ResidentSearchToken.objects.filter(municipality_id=municipality.pk)
    if not include_inactive:
        base = base.filter(active=True)
    if parsed.birth_date is not None:
        base = base.filter(birth_date=parsed.birth_date)
    parts = [
        base.filter(token__startswith=key).values_list("sort_key", "resident_id")
        for key in dict.fromkeys(parsed.name_keys)
    ]
    if len(parts) == 1:
        matched = parts[0].distinct()
    else:
        matched = parts[0].intersection(*parts[1:])
    ids = [rid for _, rid in matched.order_by("sort_key", "resident_id")[:limit]]
    found = ResidentRecord.unscoped.select_related("household").filter(
        municipality=municipality, pk__in=ids
    )
    by_id = {r.pk: r for r in found}
    return [by_id[i] for i in ids if i in by_id]
