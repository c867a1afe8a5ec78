"""The ``yen`` template filter: amounts as staff and residents read them on paper ("1,650円").

Why a filter and not ``intcomma``: django.contrib.humanize is not installed
and its output depends on the active locale; an amount of money must read
the same on every page, receipt and report. ``{% load yen %}`` then
``{{ amount|yen }}``; a negative amount keeps its sign ("-300円"), a
missing one (None, "") renders as an empty string.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter(name="yen")
def yen(value: Any) -> str:
    """1650 → "1,650円"; None / "" / not a number → "" (or the value as given)."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{amount:,}円"
