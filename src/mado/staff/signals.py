"""Sign-in, sign-out and failed sign-in go to the audit log.

Django's auth signals fire for every session login (the staff sign-in page and
the admin alike), so one receiver covers both doors. A failed attempt is
recorded with the username as typed and, when that username is a staff member,
their municipality, so the city's own audit page shows attacks on its accounts.
The password is never recorded (Django passes credentials already cleansed).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from mado.core import audit
from mado.core.models import StaffProfile


def _client(request: Any) -> dict[str, str]:
    if request is None:
        return {}
    meta = getattr(request, "META", {})
    return {
        "ip": meta.get("REMOTE_ADDR", ""),
        "user_agent": meta.get("HTTP_USER_AGENT", "")[:200],
        "path": getattr(request, "path", "")[:200],
    }


@receiver(user_logged_in, dispatch_uid="mado_staff_login_audit")
def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        audit.Action.LOGIN,
        user=user,
        target_type="user",
        target_id=user.pk,
        detail=_client(request),
    )


@receiver(user_logged_out, dispatch_uid="mado_staff_logout_audit")
def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit.record(
        audit.Action.LOGOUT,
        user=user,
        target_type="user",
        target_id=user.pk,
        detail=_client(request),
    )


@receiver(user_login_failed, dispatch_uid="mado_staff_login_failed_audit")
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    field = get_user_model().USERNAME_FIELD
    username = str(credentials.get(field, "") or "")[:150]
    profile = (
        StaffProfile.objects.select_related("municipality")
        .filter(**{f"user__{field}": username})
        .first()
        if username
        else None
    )
    audit.record(
        audit.Action.LOGIN_FAILED,
        actor=username,
        municipality=profile.municipality if profile is not None else None,
        target_type="user",
        target_id=profile.user_id if profile is not None else "",
        detail=_client(request),
    )
