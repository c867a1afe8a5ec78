"""Business days (開庁日) for due dates: weekends, national holidays and 12/29–1/3 are closed.

Why our own helper: a processing period such as "10 開庁日" is how the cities
state their deadlines, and the year-end closure is a municipal custom that
jpholiday (national holidays only) does not know.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import jpholiday


@lru_cache(maxsize=8192)  # jpholiday takes ~0.5 ms a call; a due date asks for 10-20 days
def is_business_day(day: dt.date) -> bool:
    """True when the city hall is open on ``day``."""
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return not jpholiday.is_holiday(day)


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("日数は0以上です / days must not be negative")
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -business_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count
