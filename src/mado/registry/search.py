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

from django.db.models import QuerySet

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


def _dedup(tokens: list[str], exclude: set[str] | None = None) -> list[str]:
    seen: set[str] = set(exclude or ())
    result = []
    for t in tokens:
        t = t[:120]
        if t and t not in seen:
            seen.add(t)
            result.append(t)
    return result


def tokens_for(family_name: str, given_name: str, family_kana: str, given_kana: str) -> list[str]:
    """The name tokens stored for a resident (deduplicated, non-empty)."""
    fam, giv = search_form(family_name), search_form(given_name)
    kfam, kgiv = kana_search_key(family_kana), kana_search_key(given_kana)
    # No separate 氏 token: every prefix of the 氏 is a prefix of 氏+名, so the
    # full-name token answers surname queries without duplicate rows.
    return _dedup([fam + giv, giv, kfam + kgiv, kgiv])


def alias_tokens_for(name_tokens: list[str], *extra: str) -> list[str]:
    """Tokens of 旧氏 and 通称: found too, but listed after current-name matches."""
    out = [search_form(e) if _KANJI.search(e) else kana_search_key(e) for e in extra if e]
    return _dedup(out, exclude=set(name_tokens))


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


def _match(base: QuerySet[ResidentSearchToken], keys: list[str], limit: int) -> list[int]:
    """Resident ids having a token starting with every key, in 五十音 order."""
    parts = [
        base.filter(token__startswith=key).values_list("sort_key", "resident_id")
        for key in dict.fromkeys(keys)
    ]
    matched = parts[0].distinct() if len(parts) == 1 else parts[0].intersection(*parts[1:])
    return [rid for _, rid in matched.order_by("sort_key", "resident_id")[:limit]]


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
    ids = _match(base.filter(is_alias=False), parsed.name_keys, limit)
    if len(ids) < limit:  # then residents found by 旧氏 or 通称
        ids += _match(base.exclude(resident_id__in=ids), parsed.name_keys, limit - len(ids))
    found = ResidentRecord.unscoped.select_related("household").filter(
        municipality=municipality, pk__in=ids
    )
    by_id = {r.pk: r for r in found}
    return [by_id[i] for i in ids if i in by_id]
