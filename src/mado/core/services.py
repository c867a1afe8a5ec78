"""Public API of ``core``: staff membership, roles, API tokens, audit helpers.

Other apps call these functions instead of reading core's models directly.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from mado.core import audit
from mado.core.models import MY_NUMBER_ROLES, ApiToken, Municipality, Role, StaffMembership
from mado.core.tenancy import use_municipality

TOKEN_PREFIX = "mado_"  # noqa: S105  (public prefix, not a secret)

UserLike = AbstractBaseUser | AnonymousUser | Any


def staff_municipality(user: UserLike) -> Municipality | None:
    """The one municipality a staff member works for (None for superusers without one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.municipality if profile is not None else None


def user_roles(user: UserLike) -> set[str]:
    municipality = staff_municipality(user)
    if municipality is None:
        return set()
    with use_municipality(municipality):
        return set(StaffMembership.objects.filter(user=user).values_list("role", flat=True))


def has_role(user: UserLike, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def can_read_my_number(user: UserLike) -> bool:
    """Only 個人番号事務取扱担当者 (and 住民記録管理) see clear numbers."""
    return bool(user_roles(user) & set(MY_NUMBER_ROLES))


def memberships_of(user: UserLike) -> list[StaffMembership]:
    """The staff member's (department, role) rows, in the departments' display order."""
    municipality = staff_municipality(user)
    if municipality is None:
        return []
    with use_municipality(municipality):
        return list(
            StaffMembership.objects.filter(user=user)
            .select_related("department")
            .order_by("department__sort_order", "department__code", "role")
        )


def departments_of(user: UserLike) -> list[Any]:
    municipality = staff_municipality(user)
    if municipality is None:
        return []
    with use_municipality(municipality):
        seen: dict[int, Any] = {}
        for m in StaffMembership.objects.filter(user=user).select_related("department"):
            seen.setdefault(m.department_id, m.department)
        return list(seen.values())


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user: Any, name: str = "api", *, expires_at: Any = None) -> str:
    """Create a token for a staff member; returns the secret, shown once."""
    municipality = staff_municipality(user)
    if municipality is None:
        raise ValueError(
            "職員プロフィールのない利用者にはトークンを発行できません / user is not staff"
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.unscoped.create(
        municipality=municipality,
        user=user,
        name=name,
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash_key(key),
        expires_at=expires_at,
    )
    audit.record(
        audit.Action.TOKEN_ISSUED,
        user=user,
        municipality=municipality,
        target_type="api_token",
        detail={"name": name},
    )
    return key


def authenticate_token(key: str) -> ApiToken | None:
    """The live token for a bearer key, or None (revoked, expired, unknown)."""
    if not key or not key.startswith(TOKEN_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.unscoped.select_related("user", "municipality", "user__staff_profile")
        .filter(key_hash=_hash_key(key), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    profile = getattr(token.user, "staff_profile", None)
    if profile is None or profile.municipality_id != token.municipality_id:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=now)
    return token


__all__ = [
    "Role",
    "authenticate_token",
    "can_read_my_number",
    "departments_of",
    "has_role",
    "issue_token",
    "memberships_of",
    "staff_municipality",
    "user_roles",
]
