"""Receipt numbers: format, fiscal year and era boundaries, check digit, race-free allocation."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from hypothesis import given
from hypothesis import strategies as st

from mado.core.models import Municipality
from mado.submissions.models import ReceiptCounter
from mado.submissions.receipts import (
    ReceiptNumberError,
    allocate_receipt_number,
    damm_check_digit,
    fiscal_era,
    fiscal_year_of,
    format_receipt_number,
    validate_receipt_number,
)

JST = ZoneInfo("Asia/Tokyo")


def test_format_and_round_trip() -> None:
    number = format_receipt_number(dt.date(2026, 6, 1), 1234)
    assert number.startswith("R08-0001234-")
    assert validate_receipt_number(number) == number


@pytest.mark.parametrize(
    "day,prefix",
    [
        (dt.date(2027, 3, 31), "R08-"),  # still 令和8年度
        (dt.date(2027, 4, 1), "R09-"),  # 令和9年度 starts
        (dt.date(2019, 4, 30), "H31-"),  # last day of 平成: 平成31年度
        (dt.date(2019, 5, 1), "R01-"),  # 令和元年度 from the first day of 令和
        (dt.date(2020, 3, 31), "R01-"),  # fiscal year 2019 ends in 令和2年 but is 令和元年度
        (dt.date(1989, 1, 7), "S63-"),  # 昭和63年度
        (dt.date(1989, 1, 8), "S63-"),  # 平成 began in January: 昭和63年度 continues, no "H00"
        (dt.date(1989, 4, 1), "H01-"),
    ],
)
def test_fiscal_year_and_era(day: dt.date, prefix: str) -> None:
    assert format_receipt_number(day, 5).startswith(prefix)


def test_fiscal_year_boundary() -> None:
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026
    assert fiscal_era(dt.date(2019, 4, 30))[1:] == (fiscal_era(dt.date(2019, 4, 1))[1], 31)


@pytest.mark.parametrize(
    "typed",
    [
        "Ｒ０８－０００１２３４－{c}",
        "r8-1234-{c}",
        "R8ー1234ー{c}",
        " R08 - 0001234 - {c} ",
        "R8‐1234−{c}",
    ],
)
def test_lenient_input(typed: str) -> None:
    canonical = format_receipt_number(dt.date(2026, 6, 1), 1234)
    assert validate_receipt_number(typed.format(c=canonical[-1])) == canonical


@pytest.mark.parametrize(
    "bad", ["", "R08-0001234", "X08-0001234-1", "R08-00012345678-1", "08-1-1", "R00-0000001-0"]
)
def test_malformed_refused_with_bilingual_message(bad: str) -> None:
    with pytest.raises(ReceiptNumberError) as exc:
        validate_receipt_number(bad)
    assert " / " in str(exc.value)


def _digits_of(number: str) -> str:
    """The checked digit string (era ordinal, year, sequence, check digit) of a receipt number."""
    ordinal = {"M": 1, "T": 2, "S": 3, "H": 4, "R": 5}[number[0]]
    return f"{ordinal}{number[1:].replace('-', '')}"


def _rebuild(number: str, digits: str) -> str:
    return f"{number[0]}{digits[1:3]}-{digits[3:10]}-{digits[10]}"


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
sequences = st.integers(min_value=1, max_value=9_999_999)


@given(
    days, sequences, st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=9)
)
def test_check_digit_catches_single_digit_typos(day, seq, position, delta) -> None:
    number = format_receipt_number(day, seq)
    digits = _digits_of(number)
    position = position % len(digits) or 1  # not the era ordinal (it is typed as a letter)
    wrong = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :]
    with pytest.raises(ReceiptNumberError):
        validate_receipt_number(_rebuild(number, wrong))


@given(days, sequences, st.integers(min_value=1, max_value=9))
def test_check_digit_catches_adjacent_transpositions(day, seq, position) -> None:
    number = format_receipt_number(day, seq)
    digits = _digits_of(number)
    a, b = digits[position], digits[position + 1]
    if a == b:
        return
    swapped = digits[:position] + b + a + digits[position + 2 :]
    with pytest.raises(ReceiptNumberError):
        validate_receipt_number(_rebuild(number, swapped))


def test_era_letter_typo_caught() -> None:
    number = format_receipt_number(dt.date(2026, 6, 1), 42)
    with pytest.raises(ReceiptNumberError):
        validate_receipt_number("H" + number[1:])


def test_damm_reference_value() -> None:
    assert damm_check_digit("572") == 4  # the worked example of the Damm algorithm


@pytest.mark.django_db
def test_allocation_per_municipality_and_fiscal_year(sample_city, test_town) -> None:
    march = dt.datetime(2027, 3, 31, 23, 59, tzinfo=JST)
    april = dt.datetime(2027, 4, 1, 0, 1, tzinfo=JST)
    a = [allocate_receipt_number(sample_city, march) for _ in range(3)]
    b = allocate_receipt_number(sample_city, april)
    t = allocate_receipt_number(test_town, march)
    assert [n[:12] for n in a] == ["R08-0000001-"[:12], "R08-0000002-"[:12], "R08-0000003-"[:12]]
    assert b.startswith("R09-0000001-")  # a new fiscal year starts again at 1
    assert t.startswith("R08-0000001-")  # each municipality has its own sequence
    assert sorted(a) == a
    # 23:59 JST on 3/31 is 14:59 UTC: the local date decides, not the UTC one.
    assert allocate_receipt_number(sample_city, april.astimezone(ZoneInfo("UTC"))).startswith(
        "R09-"
    )


@pytest.mark.django_db
def test_era_change_continues_the_sequence(sample_city) -> None:
    h = allocate_receipt_number(sample_city, dt.datetime(2019, 4, 30, 12, tzinfo=JST))
    r = allocate_receipt_number(sample_city, dt.datetime(2019, 5, 1, 12, tzinfo=JST))
    assert h.startswith("H31-0000001-") and r.startswith("R01-0000002-")
    assert ReceiptCounter.unscoped.get(municipality=sample_city, fiscal_year=2019).last_value == 2


@pytest.mark.django_db
def test_sequential_allocation_is_unique(sample_city) -> None:
    numbers = [allocate_receipt_number(sample_city) for _ in range(200)]
    assert len(set(numbers)) == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_is_unique() -> None:
    """Threads on PostgreSQL (each its own connection); skipped on SQLite (one writer anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set DATABASE_URL)")
    city = Municipality.objects.create(code="129992", name="サンプル市", prefecture="千葉県")
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            mine = [allocate_receipt_number(city) for _ in range(25)]
            with lock:
                results.extend(mine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 200 and len(set(results)) == 200
    seqs = sorted(int(n.split("-")[1]) for n in results)
    assert seqs == list(range(1, 201))  # no gaps, no duplicates


@pytest.mark.django_db(transaction=True)
def test_numbers_taken_outside_a_transaction_follow_on(world: dict) -> None:
    """The deferred API path takes numbers in their own short transactions: still unique, in order."""
    from mado.submissions.receipts import next_sequence

    def setting() -> str:
        if connection.vendor != "postgresql":
            return ""
        with connection.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            return str(cur.fetchone()[0])

    city = world["city"]
    before = setting()
    taken = [next_sequence(city, 2026, own_transaction=True) for _ in range(5)]
    assert taken == [1, 2, 3, 4, 5]
    assert next_sequence(city, 2026) == 6  # the ordinary path continues the same counter
    assert setting() == before  # the session's own setting is untouched
