"""Properties of the business-day calendar (開庁日) that due dates rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.casework.calendar import add_business_days, business_days_between, is_business_day

DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2045, 12, 31))
COUNTS = st.integers(min_value=0, max_value=400)


@given(DAYS, st.integers(min_value=1, max_value=400))
@settings(max_examples=200, deadline=None)
def test_never_lands_on_a_closed_day(start: dt.date, n: int) -> None:
    assert is_business_day(add_business_days(start, n))


@given(DAYS, COUNTS, COUNTS)
@settings(max_examples=200, deadline=None)
def test_monotonic(start: dt.date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert add_business_days(start, low) <= add_business_days(start, high)
    if low < high:
        assert add_business_days(start, low) < add_business_days(start, high)


@given(DAYS, DAYS)
@settings(max_examples=200, deadline=None)
def test_monotonic_in_the_start_day(a: dt.date, b: dt.date) -> None:
    early, late = sorted((a, b))
    assert add_business_days(early, 10) <= add_business_days(late, 10)


@given(DAYS, COUNTS)
@settings(max_examples=200, deadline=None)
def test_forward_then_counted_back_gives_n(start: dt.date, n: int) -> None:
    end = add_business_days(start, n)
    assert business_days_between(start, end) == n
    assert business_days_between(end, start) == -n


@pytest.mark.parametrize(("day", "open_"), [
    (dt.date(2025, 12, 29), False), (dt.date(2026, 1, 2), False),  # 年末年始
    (dt.date(2026, 1, 5), True), (dt.date(2025, 11, 3), False),  # 文化の日
    (dt.date(2025, 11, 22), False),  # Saturday
])
def test_closed_days(day: dt.date, open_: bool) -> None:
    assert is_business_day(day) is open_


def test_negative_days_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(dt.date(2026, 1, 5), -1)
