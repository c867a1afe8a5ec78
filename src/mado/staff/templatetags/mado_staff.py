"""Template tags of the staff shell: header identity, navigation, 和暦 dates.

The staff header is drawn by ``staff/base_staff.html`` for every module, so the
data it needs comes from tags rather than from each view's context: a module
that extends the base template gets the same header without extra code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from mado.staff import services

register = template.Library()

_IDENTITY_ATTR = "_mado_staff_identity"


@register.simple_tag(takes_context=True)
def staff_identity(context: template.Context) -> services.StaffIdentity | None:
    """The signed-in staff member's identity (computed once per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, _IDENTITY_ATTR, None)
    if cached is None:
        cached = services.staff_identity(user)
        setattr(request, _IDENTITY_ATTR, cached)
    return cached


@register.simple_tag(takes_context=True)
def staff_nav(context: template.Context) -> list[services.NavItem]:
    """Navigation entries for the modules that exist and the member may open."""
    request = context.get("request")
    identity = staff_identity(context)
    if request is None or identity is None:
        return []
    return services.navigation(request.path, identity.roles)


@register.simple_tag
def url_if_exists(name: str, *args: Any) -> str:
    """``{% url_if_exists 'counter:home' as url %}``: "" when the module is absent."""
    return services.url_if_exists(name, *args)


@register.filter
def wareki(value: Any) -> str:
    """A date in 和暦 (令和6年4月1日); "" when it cannot be expressed."""
    if not isinstance(value, dt.date):
        return ""
    from mado.core.text import WarekiError, format_wareki

    try:
        return format_wareki(value)
    except (WarekiError, ValueError):
        return ""


@register.filter
def postal(value: Any) -> str:
    """'2970022' → '297-0022'; anything unreadable is shown as stored."""
    from mado.core.text import format_postal_code

    try:
        return format_postal_code(str(value or ""))
    except ValueError:
        return str(value or "")
