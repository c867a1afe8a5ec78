"""Resident procedure search at /procedures/ (手続をさがす).

Not every need starts with a life event: a resident who wants a 住民票 or to
book a hall looks it up by name. The page searches the same catalogue the
navigator uses (name, reading in any kana or width, English name), can show
only what can be done online, and links to Mado's online form where one is
published. A plain GET form: no JavaScript, bookmarkable.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from mado.core.text import normalize_width, to_katakana
from mado.procedures import services
from mado.procedures.catalogue import CatalogueEntry
from mado.procedures.models import Channel

MAX_QUERY = 100


def _matches(entry: CatalogueEntry, q: str) -> bool:
    """Every word of the query appears in the name, its reading, English name or description."""
    words = [to_katakana(w).lower() for w in normalize_width(q).split(" ") if w]
    if not words:
        return True
    haystacks = [
        h.lower()
        for h in (
            entry.name,
            to_katakana(entry.name_kana),
            entry.name_en,
            entry.data.get("description", ""),
        )
        if h
    ]
    return all(any(w in h for h in haystacks) for w in words)


def search(request: HttpRequest) -> HttpResponse:
    municipality = getattr(request, "municipality", None)
    q = (request.GET.get("q") or "")[:MAX_QUERY].replace("\x00", "")
    online_only = request.GET.get("online") == "1"
    entries = (
        services.list_procedures(municipality, online=True if online_only else None)
        if (municipality is not None)
        else []
    )
    found = [e for e in entries if _matches(e, q)]
    online_codes = _online_codes(municipality) if municipality is not None else frozenset()
    english = (translation.get_language() or "").startswith("en")
    labels = dict(Channel.choices)
    rows = [
        {
            "name": e.name_en if english and e.name_en else e.name,
            "department": e.department.name,
            "location": e.department.location,
            "description": (
                e.data.get("description_en")
                if english and e.data.get("description_en")
                else e.data.get("description", "")
            ),
            "channels": [str(labels[c]) for c in e.data["channels"] if c in labels],
            "apply_url": reverse("eforms:apply", args=[e.code])
            if e.code in online_codes
            else (e.data.get("external_url") or ""),
        }
        for e in sorted(found, key=lambda e: (e.code not in online_codes, e.name_kana, e.code))
    ]
    return render(
        request,
        "procedures/search.html",
        {
            "q": q,
            "online_only": online_only,
            "rows": rows,
            "searched": "q" in request.GET,
        },
    )


def _online_codes(municipality: object) -> frozenset[str]:
    from mado.eforms.services import published_procedure_codes

    return published_procedure_codes(municipality)  # type: ignore[arg-type]
