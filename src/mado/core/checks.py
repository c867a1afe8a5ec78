"""System checks an operator sees in ``mado check --deploy``.

Production must never run with the demo accounts of ``seed_demo`` (their
password is public in CONTRACT.md), nor without field-encryption keys.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError

# CONTRACT.md publishes this password; no production account may keep it.
PUBLISHED_DEMO_PASSWORD = "mado-demo-2026"  # noqa: S105  (the published demo password)
DEMO_SUPERUSERS = ("admin",)


@register("mado", deploy=True)
def demo_accounts_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    from django.contrib.auth import get_user_model

    from mado.core.models import StaffProfile

    try:
        demo = list(
            StaffProfile.objects.filter(is_demo=True).values_list("user__username", flat=True)[:10]
        )
        # The demo superuser has no profile: recognise it by the published password.
        for user in get_user_model().objects.filter(username__in=DEMO_SUPERUSERS, is_active=True):
            if user.check_password(PUBLISHED_DEMO_PASSWORD) or user.check_password(
                settings.MADO_DEMO_PASSWORD
            ):
                demo.append(user.get_username())
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
