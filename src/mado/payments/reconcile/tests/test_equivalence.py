"""The set-based import gives what a per-record loop of book_payment gives (hypothesis)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mado.payments import services as payments
from mado.payments.models import Payment, PaymentStatus
from mado.payments.reconcile import services
from mado.payments.reconcile.matching import BOOKABLE, reference_is_valid
from mado.payments.reconcile.models import PaymentLine
from mado.payments.reconcile.parsers import parse_file
from mado.payments.reconcile.tests.factories import bank_csv
from mado.submissions.models import ServiceEvent

STATES = st.sampled_from(["pending", "pending", "paid", "cancelled", "authorized", "declined"])
PICK = st.tuples(st.integers(0, 6), st.sampled_from([0, 0, -100, 100]))


def per_record(city: Any, data: bytes) -> list[str]:
    """The reference semantics: one line at a time, booked with book_payment."""
    out, seen = [], set()
    for r in parse_file(data).records:
        if not reference_is_valid(r.reference):
            out.append("invalid_reference")
            continue
        first = r.reference not in seen
        seen.add(r.reference)
        p = Payment.unscoped.filter(municipality=city, reference=r.reference).first()
        if not first:
            out.append("duplicate")
        elif p is None:
            out.append("unmatched")
        elif p.status == PaymentStatus.PAID:
            out.append("duplicate")
        elif p.status not in BOOKABLE:
            out.append("not_payable")
        elif r.amount_yen != p.amount_yen:
            out.append("short" if r.amount_yen < p.amount_yen else "over")
        else:
            assert payments.book_payment(p, method=r.method, amount_yen=r.amount_yen,
                                         paid_at=r.paid_at, source="loop").booked
            out.append("matched")
    return out


def _state(city: Any) -> tuple[list[tuple], list[tuple]]:
    pays = sorted(Payment.unscoped.filter(municipality=city)
                  .values_list("reference", "status", "method", "paid_at"))
    events = sorted(ServiceEvent.unscoped.filter(municipality=city, kind="payment_received")
                    .values_list("at", "channel", "procedure_code", "submission_id",
                                 "payment_method", "detail"), key=repr)
    return pays, events


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(states=st.lists(STATES, min_size=5, max_size=5), picks=st.lists(PICK, max_size=12))
def test_set_based_equals_per_record(world: dict[str, Any], states: list[str],
                                     picks: list[tuple[int, int]]) -> None:
    city = world["city"]
    results = []
    for run in ("set", "loop"):
        with transaction.atomic():
            pays = [payments.create_payment(city, amount_yen=300 + 50 * i, description="x",
                                            channel="slip", procedure_code="p") for i in range(5)]
            for p, state in zip(pays, states, strict=True):
                Payment.unscoped.filter(pk=p.pk).update(status=state)
            refs = [p.reference for p in pays]
            refs.append("0000000000000" if reference_is_valid("0000000000000") else "1000000000009")
            refs.append(pays[0].reference[:12] + str((int(pays[0].reference[12]) + 1) % 10))
            lines = [(refs[i], (300 + 50 * i if i < 5 else 300) + delta) for i, delta in picks]
            data = bank_csv(lines)
            if run == "set":
                f = services.import_file(city, data)
                outcomes = list(PaymentLine.unscoped.filter(file=f).order_by("line_no")
                                .values_list("outcome", flat=True))
            else:
                outcomes = per_record(city, data)
            # references differ between runs: compare by position
            pays_state, events = _state(city)
            results.append((outcomes, [(s, m, a) for _r, s, m, a in sorted(
                pays_state, key=lambda row: refs.index(row[0]))],
                [e[1:] for e in events], len(events)))
            transaction.set_rollback(True)
    assert results[0] == results[1]
