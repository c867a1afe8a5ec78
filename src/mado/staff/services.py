"""Public API of the staff shell: who the signed-in staff member is, and what they may open.

Every staff page (this app's and the modules that extend ``staff/base_staff.html``)
shows the same header: the member's name, municipality, departments and roles,
and the navigation. Computing that here, once, keeps the modules from reading
core's membership rows themselves. Navigation entries for modules that are not
installed yet are left out by checking whether their URL name reverses, so the
shell never shows a broken link while the platform grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mado.core.models import Department, Municipality, Role
from mado.core.services import memberships_of, staff_municipality, user_roles
from mado.registry import services as registry_services

# Roles that may read the municipality's audit log in the staff shell.
AUDIT_ROLES = frozenset({Role.REGISTRY_ADMIN, Role.MANAGER})

# (URL name, label, roles required or None for everyone). Order is the menu order.
NAVIGATION: list[tuple[str, Promise, frozenset[str] | None]] = [
    ("staff:home", _("ホーム"), None),
    ("staff:resident_search", _("住民検索"), None),
    ("counter:home", _("窓口"), None),
    ("casework:inbox", _("案件"), None),
    ("eforms_builder:home", _("様式"), None),
    ("payments:register", _("収納"), None),
    ("payments:reconcile_home", _("消込"), None),
    ("navigator:home", _("手続ナビ"), None),
    ("staff:audit", _("監査ログ"), AUDIT_ROLES),
]


@dataclass
class DepartmentRoles:
    department: Department
    roles: list[str] = field(default_factory=list)


@dataclass
class StaffIdentity:
    """What the header shows about the signed-in staff member."""

    name: str
    municipality: Municipality | None
    departments: list[DepartmentRoles]
    roles: set[str]

    @property
    def can_view_audit(self) -> bool:
        return bool(self.roles & AUDIT_ROLES)


@dataclass(frozen=True)
class NavItem:
    url: str
    label: Any
    current: bool


def url_if_exists(name: str, *args: Any) -> str:
    """The URL for ``name``, or "" when that module is not installed (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def staff_identity(user: Any) -> StaffIdentity:
    """Name, municipality, departments with roles, and the role set of a staff member."""
    profile = getattr(user, "staff_profile", None)
    name = ""
    if profile is not None:
        name = profile.display_name
    name = name or user.get_full_name() or user.get_username()
    municipality = staff_municipality(user)
    departments: dict[int, DepartmentRoles] = {}
    if municipality is not None:
        for m in memberships_of(user):
            entry = departments.setdefault(m.department_id, DepartmentRoles(m.department))
            entry.roles.append(m.get_role_display())
    return StaffIdentity(
        name=name,
        municipality=municipality,
        departments=list(departments.values()),
        roles=user_roles(user),
    )


def navigation(path: str, roles: set[str]) -> list[NavItem]:
    """Menu entries whose module exists and whose roles the member holds.

    The current entry is the one with the longest URL that the path starts with
    (so /staff/payments/reconcile/ marks 消込, not also 収納 at /staff/payments/).
    """
    found: list[tuple[str, Any]] = []
    for url_name, label, needs in NAVIGATION:
        if needs is not None and not (roles & needs):
            continue
        url = url_if_exists(url_name)
        if url:
            found.append((url, label))
    home = url_if_exists("staff:home")
    matches = [url for url, _label in found if path == url or (url != home and path.startswith(url))]
    current = max(matches, key=len) if matches else None
    return [NavItem(url=url, label=label, current=url == current) for url, label in found]


def registry_counts(municipality: Municipality) -> dict[str, int]:
    """Active residents and households (see registry.services.counts)."""
    return registry_services.counts(municipality)


__all__ = [
    "AUDIT_ROLES",
    "NavItem",
    "StaffIdentity",
    "navigation",
    "registry_counts",
    "staff_identity",
    "url_if_exists",
]
