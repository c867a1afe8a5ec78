"""``mado remove_demo_accounts``: deactivate the public demo accounts before go-live.

Their password is published in CONTRACT.md, so production refuses to start
while they exist (system check mado.E001). Accounts are deactivated and their
tokens revoked rather than deleted, so audit entries keep pointing at them.
"""

from typing import Any

from django.core.management.base import BaseCommand

from mado.core import audit
from mado.core.models import ApiToken, StaffProfile


class Command(BaseCommand):
    help = "体験用アカウントを無効化します / Deactivate the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.contrib.auth import get_user_model

        from mado.core.checks import DEMO_SUPERUSERS, PUBLISHED_DEMO_PASSWORD

        profiles = list(StaffProfile.objects.filter(is_demo=True).select_related("user"))
        for user in get_user_model().objects.filter(username__in=DEMO_SUPERUSERS, is_active=True):
            if user.check_password(PUBLISHED_DEMO_PASSWORD) or user.check_password(
                settings.MADO_DEMO_PASSWORD
            ):
                user.is_active = False
                user.set_unusable_password()
                user.save(update_fields=["is_active", "password"])
                audit.record(
                    audit.Action.UPDATE,
                    actor="system",
                    target_type="user",
                    target_id=user.pk,
                    reason="remove_demo_accounts",
                )
        for profile in profiles:
            user = profile.user
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
            ApiToken.unscoped.filter(user=user).update(revoked=True)
            profile.is_demo = False
            profile.save(update_fields=["is_demo"])
            audit.record(
                audit.Action.UPDATE,
                actor="system",
                target_type="user",
                target_id=user.pk,
                reason="remove_demo_accounts",
            )
        self.stdout.write(
            f"{len(profiles)} 件の体験用アカウントを無効化しました / "
            f"deactivated {len(profiles)} demo accounts"
        )
