"""Login throttling and lockout, per account name and per client address.

Why both: a per-account limit stops guessing one person's password from many
addresses; a per-address limit stops trying one common password on many
accounts from one address. The address ceiling is higher because a city hall's
staff reach Mado through one proxy. Failed password checks and failed second
factors both count, within ``MADO_LOGIN_LOCKOUT["window"]`` seconds; reaching the
ceiling locks for ``["lock"]`` seconds and is audited (``login_locked``).

No user enumeration: the account key is the name *as typed*, whether or not
such an account exists, and a locked name gets the same answer either way.
Counters live in the database so that every web worker sees the same lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mado.core import audit
from mado.core.models import StaffProfile
from mado.staff.models import LoginThrottle

LOGIN_LOCKED = "login_locked"


def _config() -> dict[str, int]:
    defaults = {"account_failures": 5, "ip_failures": 20, "window": 900, "lock": 900}
    return {**defaults, **getattr(settings, "MADO_LOGIN_LOCKOUT", {})}


def account_key(username: str) -> str:
    return "user:" + str(username or "").strip().casefold()[:150]


def address_key(ip: str) -> str:
    return "ip:" + str(ip or "unknown")[:64]


def seconds_locked(username: str, ip: str) -> int:
    """Seconds until both the account name and the address may try again (0: now)."""
    now = timezone.now()
    keys = [address_key(ip)] + ([account_key(username)] if username else [])
    until = (
        LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    if until is None:
        return 0
    return max(1, int((until - now).total_seconds() + 0.999))


def _count(key: str, ceiling: int, now: dt.datetime) -> bool:
    """Add one failure to ``key``; True when this failure locks it."""
    cfg = _config()
    window = dt.timedelta(seconds=cfg["window"])
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"window_start": now}
    )
    lock_over = row.locked_until is not None and row.locked_until <= now
    window_over = row.locked_until is None and row.window_start + window <= now
    if lock_over or window_over:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    locks = row.failures >= ceiling and row.locked_until is None
    if locks:
        row.locked_until = now + dt.timedelta(seconds=cfg["lock"])
    row.save()
    return locks


def register_failure(username: str, ip: str, request: Any = None, stage: str = "password") -> bool:
    """Count one failed sign-in; True when the account name or the address is now locked."""
    cfg = _config()
    now = timezone.now()
    locked: list[str] = []
    with transaction.atomic():
        if username and _count(account_key(username), cfg["account_failures"], now):
            locked.append("account")
        if _count(address_key(ip), cfg["ip_failures"], now):
            locked.append("address")
    if locked:
        _audit_lock(username, ip, locked, stage, request)
    return bool(locked)


def clear_account(username: str) -> None:
    """A complete sign-in forgets the account's failures (the address's stay)."""
    LoginThrottle.objects.filter(key=account_key(username)).delete()


def unlock(username: str = "", ip: str = "") -> int:
    """Lift a lock early (an administrator after checking with the person)."""
    keys = ([account_key(username)] if username else []) + ([address_key(ip)] if ip else [])
    return LoginThrottle.objects.filter(key__in=keys).delete()[0]


def _audit_lock(username: str, ip: str, locked: list[str], stage: str, request: Any) -> None:
    profile = (
        StaffProfile.objects.select_related("municipality")
        .filter(user__username=str(username)[:150])
        .first()
        if username
        else None
    )
    meta = getattr(request, "META", {}) if request is not None else {}
    audit.record(
        LOGIN_LOCKED,
        actor=str(username or "")[:150],
        municipality=profile.municipality if profile is not None else None,
        target_type="user",
        target_id=profile.user_id if profile is not None else "",
        detail={
            "ip": ip,
            "locked": locked,
            "stage": stage,
            "minutes": _config()["lock"] // 60,
            "user_agent": str(meta.get("HTTP_USER_AGENT", ""))[:200],
        },
    )
