"""Automatic matching: each outcome, booking like book_payment, duplicate files, tenants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mado.core.models import AuditEntry
from mado.payments import services as payments
from mado.payments.models import Payment, PaymentStatus
from mado.payments.reconcile import services
from mado.payments.reconcile.models import PaymentLine
from mado.payments.reconcile.tests.factories import bank_csv, settlement_csv
from mado.submissions.models import ServiceEvent


def _pay(city: Any, amount: int = 300, **kw: Any) -> Payment:
    return payments.create_payment(city, amount_yen=amount, description="住民票の写し",
                                   channel=kw.pop("channel", "slip"),
                                   procedure_code="juminhyo", **kw)


def _outcomes(payment_file: Any) -> list[str]:
    return list(PaymentLine.unscoped.filter(file=payment_file).order_by("line_no")
                .values_list("outcome", flat=True))


def _bad_check_digit(ref: str) -> str:
    return ref[:12] + str((int(ref[12]) + 1) % 10)


def test_every_outcome_of_a_bank_file(world: dict[str, Any]) -> None:
    city = world["city"]
    ok, short, over, paid, cancelled, twice = (_pay(city) for _ in range(6))
    payments.book_payment(paid, method="card", amount_yen=300, source="test")
    Payment.unscoped.filter(pk=cancelled.pk).update(status=PaymentStatus.CANCELLED)
    unknown = payments.new_reference()
    data = bank_csv([(ok.reference, 300), (short.reference, 200), (over.reference, 500),
                     (paid.reference, 300), (cancelled.reference, 300), (unknown, 300),
                     (_bad_check_digit(ok.reference), 300), (twice.reference, 300),
                     (twice.reference, 300)])
    f = services.import_file(city, data, filename="bank.csv", user=world["madoguchi"])
    assert _outcomes(f) == ["matched", "short", "over", "duplicate", "not_payable", "unmatched",
                            "invalid_reference", "matched", "duplicate"]
    assert f.counts == {"matched": 2, "short": 1, "over": 1, "duplicate": 2, "not_payable": 1,
                        "unmatched": 1, "invalid_reference": 1}
    assert f.record_count == 9 and f.error_count == 0 and f.exception_count == 7
    ok.refresh_from_db()
    assert (ok.status, ok.method) == (PaymentStatus.PAID, "slip")
    assert ok.paid_at == dt.datetime(2026, 4, 1, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    for p in (short, over):
        p.refresh_from_db()
        assert p.status == PaymentStatus.PENDING
    events = ServiceEvent.unscoped.filter(kind="payment_received", payment_method="slip")
    assert events.count() == 2
    assert {(e.at, e.channel, e.procedure_code, str(e.detail)) for e in events} == {
        (ok.paid_at, "slip", "juminhyo", "{'amount_yen': 300}")}
    entries = AuditEntry.objects.filter(target_type="payment_file", target_id=str(f.pk))
    assert entries.count() == 1 and entries.get().detail["booked"] == 2


def test_the_same_file_twice_is_refused(world: dict[str, Any]) -> None:
    city = world["city"]
    p = _pay(city)
    data = bank_csv([(p.reference, 300)])
    first = services.import_file(city, data, filename="a.csv")
    with pytest.raises(services.ReconcileError, match="取込済み") as info:
        services.import_file(city, data, filename="renamed.csv")
    assert info.value.existing == first
    assert ServiceEvent.unscoped.filter(kind="payment_received").count() == 1


def test_a_settlement_confirms_webhook_payments_and_books_missed_ones(
        world: dict[str, Any]) -> None:
    city = world["city"]
    online = _pay(city, 1000, channel="web")
    missed = _pay(city, 500, channel="web")
    refunded = _pay(city, 700, channel="web")
    payments.book_payment(online, method="card", amount_yen=1000, provider="sandbox",
                          provider_payment_id="ch_1", source="webhook")
    payments.book_payment(refunded, method="qr", amount_yen=700, provider="sandbox",
                          provider_payment_id="ch_3", source="webhook")
    Payment.unscoped.filter(pk=refunded.pk).update(status=PaymentStatus.REFUNDED, refunded_yen=700)
    data = settlement_csv([("ch_1", online.reference, "card", 1000),
                           ("ch_2", missed.reference, "emoney", 500),
                           ("ch_3", refunded.reference, "qr", 700),
                           ("ch_3r", refunded.reference, "qr", -700),
                           ("ch_9", online.reference, "card", 1000)])
    f = services.import_file(city, data, filename="settle.csv", provider="sandbox")
    assert _outcomes(f) == ["confirmed", "matched", "confirmed", "refund", "duplicate"]
    assert not f.checks
    missed.refresh_from_db()
    assert (missed.status, missed.method, missed.provider, missed.provider_payment_id) == (
        "paid", "emoney", "sandbox", "ch_2")
    fees = {line.method: line.fee_yen for line in PaymentLine.unscoped.filter(file=f)}
    assert fees["card"] == 32 and fees["emoney"] == 15


def test_a_transaction_id_reported_for_another_payment_is_not_new_money(
        world: dict[str, Any]) -> None:
    city = world["city"]
    a, b = _pay(city), _pay(city)
    payments.book_payment(a, method="card", amount_yen=300, provider="sandbox",
                          provider_payment_id="ch_1", source="webhook")
    f = services.import_file(city, settlement_csv([("ch_1", b.reference, "card", 300)]))
    assert _outcomes(f) == ["duplicate"]
    b.refresh_from_db()
    assert b.status == PaymentStatus.PENDING


def test_references_of_another_municipality_are_unmatched(world: dict[str, Any]) -> None:
    town_payment = _pay(world["town"])
    f = services.import_file(world["city"], bank_csv([(town_payment.reference, 300)]))
    assert _outcomes(f) == ["unmatched"]
    town_payment.refresh_from_db()
    assert town_payment.status == PaymentStatus.PENDING
    # the same bytes are a new file for テスト町 (the hash is per municipality)
    f2 = services.import_file(world["town"], bank_csv([(town_payment.reference, 300)]))
    assert _outcomes(f2) == ["matched"]


def test_a_broken_line_does_not_stop_the_others(world: dict[str, Any]) -> None:
    city = world["city"]
    p = _pay(city)
    text = bank_csv([(p.reference, 300)], encoding="utf-8").decode().splitlines()
    text.insert(1, "D,1,x,20261340,300,01,0001")
    f = services.import_file(city, ("\n".join(text) + "\n").encode())
    assert f.error_count == 1 and f.errors[0]["line"] == 2 and f.errors[0]["column"] == "paid_on"
    assert _outcomes(f) == ["matched"]


def test_resolving_an_exception_books_through_book_payment(world: dict[str, Any]) -> None:
    city, staff = world["city"], world["madoguchi"]
    intended = _pay(city)
    f = services.import_file(city, bank_csv([(_bad_check_digit(intended.reference), 300)]))
    line = PaymentLine.unscoped.get(file=f)
    with pytest.raises(services.ReconcileError, match="メモ"):
        services.resolve_line(line, action="match", note=" ", user=staff,
                              reference=intended.reference)
    with pytest.raises(services.ReconcileError, match="確認用数字"):
        services.resolve_line(line, action="match", note="x", user=staff, reference=line.reference)
    services.resolve_line(line, action="match", note="納付書の読み違い", user=staff,
                          reference=intended.reference)
    intended.refresh_from_db()
    line.refresh_from_db()
    assert intended.status == PaymentStatus.PAID and line.payment == intended and line.is_resolved
    assert AuditEntry.objects.filter(action="reconciliation_resolved").count() == 1
    assert AuditEntry.objects.filter(action="payment_booked", target_id=intended.reference).exists()
    with pytest.raises(services.ReconcileError, match="処理済み"):
        services.resolve_line(line, action="note", note="again", user=staff)


def test_monthly_report_per_method(world: dict[str, Any]) -> None:
    city = world["city"]
    a, b = _pay(city, 1000, channel="web"), _pay(city, 300)
    payments.book_payment(a, method="card", amount_yen=1000, provider="sandbox",
                          provider_payment_id="ch_1", paid_at=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
                          source="webhook")
    services.import_file(city, settlement_csv([("ch_1", a.reference, "card", 1000)]))
    services.import_file(city, bank_csv([(b.reference, 300), (payments.new_reference(), 999)]))
    report = services.monthly_report(city, 2026, 4)
    rows = {r.method: r for r in report.rows}
    assert (rows["card"].booked_yen, rows["card"].gross_yen, rows["card"].fee_yen,
            rows["card"].net_yen, rows["card"].difference_yen) == (1000, 1000, 32, 968, 0)
    assert (rows["slip"].booked_count, rows["slip"].statement_count, rows["slip"].matched_count,
            rows["slip"].exception_count, rows["slip"].difference_yen) == (1, 2, 1, 1, -999)
    csv_text = services.monthly_csv(report).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("支払方法,") and "合計" in csv_text
    assert services.monthly_report(city, 2026, 5).total().statement_count == 0
