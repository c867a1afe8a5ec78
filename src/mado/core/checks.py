"""System checks an operator sees in ``mado check --deploy``.

Production must never run with the demo accounts of ``seed_demo`` (their
password is public in CONTRACT.md), nor without field-encryption keys.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("mado", deploy=True)
def demo_accounts_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    from mado.core.models import StaffProfile

    try:
        demo = list(
            StaffProfile.objects.filter(is_demo=True).values_list("user__username", flat=True)[:10]
        )
    except DatabaseError:
        return []
    if demo:
        return [
            Error(
                "本番環境に体験用アカウントがあります / demo accounts exist in production: "
                + ", ".join(demo),
                hint="mado remove_demo_accounts で削除してください / remove them first.",
                id="mado.E001",
            )
        ]
    return []
