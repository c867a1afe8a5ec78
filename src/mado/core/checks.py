"""System checks an operator sees in ``mado check --deploy``.

Production must never run with the demo accounts of ``seed_demo`` (their
password is public in CONTRACT.md), nor without field-encryption keys, nor
with any secret the repository publishes as a development default (the
secret key, the derived field key, the sandbox webhook secret): such a value
is no secret at all. The security baseline (second factor, a policy without
inline code, rate limits) must not be switched off silently either.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
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


@register("mado", deploy=True)
def secrets_from_environment(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    from mado.core.security import DEV_SANDBOX_WEBHOOK_SECRET, dev_secret_name

    errors: list[Error] = []
    candidates: list[tuple[str, str]] = [("MADO_SECRET_KEY", settings.SECRET_KEY)]
    candidates += [("MADO_FIELD_KEYS", key) for key in settings.MADO_FIELD_KEYS]
    candidates.append(("MADO_LOOKUP_KEY", getattr(settings, "MADO_LOOKUP_KEY", "")))
    candidates.append(("MADO_EMAIL_PASSWORD", getattr(settings, "EMAIL_HOST_PASSWORD", "")))
    provider = str(getattr(settings, "MADO_PAYMENT_PROVIDER", "") or "sandbox")
    webhook_secret = str(getattr(settings, "MADO_SANDBOX_WEBHOOK_SECRET", "") or "")
    if provider == "sandbox":
        if not webhook_secret:
            errors.append(
                Error(
                    "MADO_SANDBOX_WEBHOOK_SECRET が設定されていません(公開の開発用の鍵が使われます)"
                    " / MADO_SANDBOX_WEBHOOK_SECRET is unset, so the public development secret is used.",
                    hint="ランダムな値を環境変数に設定してください / set a random value in the environment.",
                    id="mado.E003",
                )
            )
        candidates.append(("MADO_SANDBOX_WEBHOOK_SECRET", webhook_secret or DEV_SANDBOX_WEBHOOK_SECRET))
    for name, value in candidates:
        known = dev_secret_name(value)
        if known and not (name == "MADO_SANDBOX_WEBHOOK_SECRET" and not webhook_secret):
            errors.append(
                Error(
                    f"{name} が公開されている開発用の値です / {name} is {known}, which is public.",
                    hint="新しいランダムな値を環境変数に設定してください(docs/security.md)"
                    " / set a new random value in the environment (docs/security.md).",
                    id="mado.E002",
                )
            )
    return errors


@register("mado", deploy=True)
def security_baseline(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    if not settings.PRODUCTION:
        return []
    problems: list[Error | Warning] = []
    csp: dict[str, list[str]] = getattr(settings, "MADO_CSP", {})
    for directive in ("script-src", "style-src", "default-src"):
        unsafe = [s for s in csp.get(directive, []) if s in ("'unsafe-inline'", "'unsafe-eval'", "*")]
        if unsafe:
            problems.append(
                Error(
                    f"Content-Security-Policy の {directive} に {' '.join(unsafe)} があります"
                    f" / the policy's {directive} allows {' '.join(unsafe)}.",
                    id="mado.E004",
                )
            )
    if not csp:
        problems.append(Error("MADO_CSP が空です / MADO_CSP is empty.", id="mado.E004"))
    if not getattr(settings, "MADO_REQUIRE_2FA", False):
        problems.append(
            Warning(
                "本番環境で職員の二要素認証が必須ではありません"
                " / two-factor sign-in is not required for staff in production.",
                hint="MADO_REQUIRE_2FA=1 にしてください / set MADO_REQUIRE_2FA=1.",
                id="mado.W001",
            )
        )
    off = sorted(k for k, v in getattr(settings, "MADO_RATE_LIMITS", {}).items() if v is None)
    if off:
        problems.append(
            Warning(
                "送信回数の制限が無効です / rate limits are off for: " + ", ".join(off),
                hint="MADO_RATE_LIMITS で値を設定してください / give them a limit in MADO_RATE_LIMITS.",
                id="mado.W002",
            )
        )
    return problems
