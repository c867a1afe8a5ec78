"""Seed step for ``mado seed_demo``: demo My Number cards for a few residents.

Testers sign in at /id/card/ with these (PIN in docs/identity.md). The cards
go to residents a tester would want to try: the head of a 髙橋 household, a
parent of young children, someone over 75, and a foreign resident.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

CARDS_PER_CITY = 8


def pick_residents(municipality: Any, count: int = CARDS_PER_CITY) -> list[Any]:
    from mado.registry.models import ResidentRecord

    base = ResidentRecord.unscoped.filter(municipality=municipality, status="active")
    today = dt.date.today()
    picked: list[Any] = []

    def add(qs: Any, n: int) -> None:
        for r in qs.exclude(pk__in=[p.pk for p in picked]).order_by("pk")[:n]:
            picked.append(r)

    add(base.filter(family_name="髙橋", relationship="世帯主"), 2)
    add(base.filter(relationship="世帯主", household__members__birth_date__gte=today.replace(
        year=today.year - 6)).distinct(), 3)
    add(base.filter(birth_date__lte=today.replace(year=today.year - 76)), 2)
    add(base.filter(nationality_type="foreign"), 1)
    add(base.filter(relationship="世帯主"), count - len(picked))
    return picked[:count]


def _seed_cards(ctx: Any) -> None:
    from mado.identity.services import seed_demo_cards

    for code, municipality in ctx.municipalities.items():
        cards = seed_demo_cards(municipality, pick_residents(municipality))
        ctx.write(f"  {code}: マイナンバーカード（体験用） {len(cards)} 枚 / demo cards")


def _reset_cards(ctx: Any) -> None:
    from mado.core.models import Municipality
    from mado.identity.models import DemoCard

    munis = list(Municipality.objects.filter(code__in=["129992", "129984"]))
    DemoCard.unscoped.filter(municipality__in=munis).delete()


def register_demo_step() -> None:
    from mado.registry.demo.loader import register_step

    register_step("cards", _seed_cards, order=70, reset=_reset_cards)
