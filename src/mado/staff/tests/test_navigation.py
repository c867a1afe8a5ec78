"""The staff menu marks exactly one entry as the current page, the most specific one."""

from __future__ import annotations

from typing import Any

from mado.staff.services import navigation


def _current(path: str) -> list[str]:
    return [str(item.label) for item in navigation(path, set()) if item.current]


def test_the_longest_matching_entry_is_current(db: Any) -> None:
    assert _current("/staff/payments/reconcile/") == ["消込"]
    assert _current("/staff/payments/") == ["収納"]
    assert _current("/staff/payments/slips/") == ["収納"]
    assert _current("/staff/") == ["ホーム"]
    assert _current("/staff/residents/") != ["ホーム"]
