"""End to end: a card payment in the sandbox, booked by its webhook, is `confirmed` by the settlement.

Why: the settlement statement lists every capture of the day, including the
ones the webhook already booked online. Its ``transaction_id`` must be the
``provider_payment_id`` the webhook booked with, or every online payment
would come back as a 重複納付 (duplicate) for staff to clear by hand.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from mado.payments import services as payments
from mado.payments.models import Payment, PaymentStatus
from mado.payments.providers.contrib.sandbox import acquirer
from mado.payments.providers.contrib.sandbox.settlement import provider_fee
from mado.payments.reconcile import services
from mado.payments.reconcile.models import Outcome, PaymentLine
from mado.submissions.models import ServiceEvent

FUTURE = f"12/{(dt.date.today().year + 3) % 100:02d}"


def _pay(city: Any, amount: int, method: str) -> Payment:
    payment = payments.create_payment(city, amount_yen=amount, description="住民票の写し 手数料",
                                      channel="web", procedure_code="juminhyo")
    url = payments.start_checkout(payment, "/pay/x/done/")
    checkout = acquirer.open_checkout(url.rstrip("/").rsplit("/", 1)[-1])
    card = {"card_number": acquirer.APPROVED_CARD, "expiry": FUTURE, "cvc": "123"}
    outcome = acquirer.pay(checkout, method, **(card if method == "card" else {}))
    assert outcome.charge is not None
    payment.refresh_from_db()
    return payment


def test_a_webhook_paid_card_payment_is_confirmed_by_the_settlement(world: dict[str, Any]) -> None:
    city = world["city"]
    paid = [_pay(city, 650, "card"), _pay(city, 1000, "qr")]
    assert all(p.status == PaymentStatus.PAID and p.provider_payment_id for p in paid)
    out = io.StringIO()
    call_command("sandbox_settlement", date=timezone.localdate().isoformat(),
                 merchant=city.code, stdout=out)
    assert {p.provider for p in paid} == {services.DEFAULT_PROVIDER}  # what the upload page uses
    f = services.import_file(city, out.getvalue().encode(), filename="settlement.csv")
    lines = list(PaymentLine.unscoped.filter(file=f).order_by("line_no"))
    assert [(ln.payment_id, ln.outcome) for ln in lines] == [(p.pk, Outcome.CONFIRMED) for p in paid]
    assert [ln.transaction_id for ln in lines] == [p.provider_payment_id for p in paid]
    assert f.counts == {Outcome.CONFIRMED: 2} and not f.checks
    # The fee per method as the file page and the monthly report show it.
    fees = {ln.method: ln.fee_yen for ln in lines}
    assert fees == {"card": provider_fee("card", 650), "qr": provider_fee("qr", 1000)} == {
        "card": 21, "qr": 25}
    today = timezone.localdate()
    month = services.monthly_report(city, today.year, today.month)
    by_method = {row.method: row for row in month.rows}
    assert by_method["card"].fee_yen == 21 and by_method["qr"].fee_yen == 25
    # Nothing was booked twice: still one payment_received event per payment.
    assert ServiceEvent.unscoped.filter(municipality=city, kind="payment_received").count() == 2
