"""``mado demo_token <username>``: print an API token for a demo staff account."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.core.services import issue_token


class Command(BaseCommand):
    help = "体験用職員のAPIトークンを発行して表示します / Print an API token for a demo staff user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="demo")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"利用者 {options['username']} がいません / no such user")
        profile = getattr(user, "staff_profile", None)
        if profile is None or not profile.is_demo:
            raise CommandError(
                "体験用アカウントではありません。本番の職員には管理画面から発行してください / "
                "not a demo account; issue tokens to real staff from /admin/"
            )
        self.stdout.write(issue_token(user, options["name"]))
