"""Property: the daily sheet equals the sum of the day's register transactions, per method.

Hypothesis draws any sequence of sales (method, items, cash tendered) and
cancellations of earlier sales; the expected figures are summed here from that
sequence alone, and the sheet (computed by the database) must agree per
method — sales, cancellations, net — and in the cash expected in the drawer.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mado.conftest import make_department
from mado.core.models import StaffMembership
from mado.payments.register import services
from mado.payments.register.models import RegisterTransaction

PRICES = {"juminhyo-utsushi": 300, "koseki-shomeisho": 450, "sodai-gomi": 300}
_dept_numbers = itertools.count(1)

sale = st.tuples(
    st.just("sale"),
    st.sampled_from([str(m) for m in services.REGISTER_METHODS]),
    st.dictionaries(st.sampled_from(sorted(PRICES)), st.integers(1, 5), min_size=1),
    st.integers(0, 2000),  # extra cash over the total
)
void = st.tuples(st.just("void"), st.integers(0, 30))
operations = st.lists(st.one_of(sale, sale, void), max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, opening_float=st.integers(0, 50_000))
def test_sheet_equals_sum_of_transactions(fees: dict[str, Any], ops: list[Any], opening_float: int) -> None:
    city = fees["city"]
    dept = make_department(city, f"reg{next(_dept_numbers)}", "レジ検証課")
    StaffMembership.unscoped.create(
        municipality=city, user=fees["madoguchi"], department=dept, role="counter"
    )
    day = services.open_day(dept)
    day.opening_float_yen = opening_float
    day.save()
    expected: dict[str, list[int]] = {str(m): [0, 0, 0, 0] for m in services.REGISTER_METHODS}
    sales: list[tuple[RegisterTransaction, str, int]] = []
    voided: set[int] = set()
    for op in ops:
        if op[0] == "sale":
            _, method, items, extra = op
            total = sum(PRICES[c] * q for c, q in items.items())
            result = services.ring_up(
                dept, items=items, method=method, token=services.new_token(),
                tendered_yen=total + extra if method == "cash" else None, by=fees["madoguchi"],
            )  # fmt: skip
            sales.append((result.transaction, method, total))
            expected[method][0] += 1
            expected[method][1] += total
        elif sales:
            index = op[1] % len(sales)
            txn, method, total = sales[index]
            if index in voided:
                continue
            services.void_transaction(txn, reason="検証", by=fees["madoguchi"])
            voided.add(index)
            expected[method][2] += 1
            expected[method][3] -= total
    sheet = services.daily_sheet(day)
    for method, (n_sale, sale_total, n_void, void_total) in expected.items():
        row = sheet.row(method)
        assert (row.sale_count, row.sale_total_yen, row.void_count, row.void_total_yen) == (
            n_sale, sale_total, n_void, void_total), method  # fmt: skip
        assert row.net_total_yen == sale_total + void_total
    assert sheet.net_total_yen == sum(t.total_yen for t in RegisterTransaction.unscoped.filter(day=day))
    assert sheet.cash_expected_yen == opening_float + expected["cash"][1] + expected["cash"][3]
    csv_text = services.daily_sheet_csv(sheet)
    for method, (n_sale, sale_total, n_void, void_total) in expected.items():
        assert f",{method},{n_sale},{sale_total},{n_void},{void_total}," in csv_text
