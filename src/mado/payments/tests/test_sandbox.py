"""The sandbox acquirer enforces an acquirer's rules: cards, authorisation, capture, refunds, settlement."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from mado.payments import services
from mado.payments.models import PaymentStatus
from mado.payments.providers import registry
from mado.payments.providers.contrib.sandbox import acquirer
from mado.payments.providers.contrib.sandbox.models import ChargeStatus, SandboxCharge
from mado.payments.providers.contrib.sandbox.settlement import provider_fee, settlement_csv

FUTURE = f"12/{(dt.date.today().year + 3) % 100:02d}"


def _checkout(city: Any, amount: int = 600) -> Any:
    payment = services.create_payment(city, amount_yen=amount, description="住民票の写し 手数料",
                                      channel="web")
    url = services.start_checkout(payment, "/pay/x/done/")
    return payment, acquirer.open_checkout(url.rstrip("/").rsplit("/", 1)[-1])


@pytest.mark.parametrize(("number", "ok"), [
    ("4242 4242 4242 4242", True), ("４２４２-４２４２-４２４２-４２４２", True),
    ("4242 4242 4242 4241", False), ("1234", False), ("", False)])
def test_card_numbers_are_checked_with_luhn(number: str, ok: bool) -> None:
    _digits, errors = acquirer.validate_card(number, FUTURE, "123")
    assert ("card_number" not in errors) is ok


def test_expiry_and_cvc_are_checked() -> None:
    _d, errors = acquirer.validate_card("4242424242424242", "01/20", "12")
    assert "expiry" in errors and "cvc" in errors
    _d, errors = acquirer.validate_card("4242424242424242", "13/30", "1234")
    assert "expiry" in errors and "cvc" not in errors
    today = dt.date(2030, 12, 31)
    assert not acquirer.validate_card("4242424242424242", "12/30", "123", today)[1]


def test_test_cards_approve_decline_and_time_out(world: dict[str, Any]) -> None:
    outcomes = {}
    for number in (acquirer.APPROVED_CARD, acquirer.DECLINED_CARD, acquirer.TIMEOUT_CARD):
        payment, checkout = _checkout(world["city"])
        outcome = acquirer.pay(checkout, "card", card_number=number, expiry=FUTURE, cvc="123")
        payment.refresh_from_db()
        outcomes[number] = (outcome.charge.status, payment.status)
    assert outcomes[acquirer.APPROVED_CARD] == (ChargeStatus.CAPTURED, PaymentStatus.PAID)
    assert outcomes[acquirer.DECLINED_CARD] == (ChargeStatus.DECLINED, PaymentStatus.DECLINED)
    assert outcomes[acquirer.TIMEOUT_CARD] == (ChargeStatus.FAILED, PaymentStatus.FAILED)


def test_invalid_card_charges_nothing(world: dict[str, Any]) -> None:
    _payment, checkout = _checkout(world["city"])
    outcome = acquirer.pay(checkout, "card", card_number="4242", expiry="", cvc="")
    assert outcome.charge is None and set(outcome.errors) == {"card_number", "expiry", "cvc"}
    assert not SandboxCharge.objects.exists()


def test_capture_is_limited_to_the_authorisation_and_its_lifetime(world: dict[str, Any]) -> None:
    _payment, checkout = _checkout(world["city"], 1000)
    charge = acquirer.authorize(checkout, "card", acquirer.APPROVED_CARD)
    assert charge.status == ChargeStatus.AUTHORIZED and charge.authorized_yen == 1000
    with pytest.raises(acquirer.SandboxError) as exc:
        acquirer.capture(charge, 1001)
    assert exc.value.code == "amount_too_large"
    SandboxCharge.objects.filter(pk=charge.pk).update(
        auth_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(acquirer.SandboxError) as exc:
        acquirer.capture(charge)
    assert exc.value.code == "authorization_expired"
    assert SandboxCharge.objects.get(pk=charge.pk).status == ChargeStatus.VOIDED


def test_checkout_expires_after_thirty_minutes(world: dict[str, Any]) -> None:
    _payment, checkout = _checkout(world["city"])
    type(checkout).objects.filter(pk=checkout.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(acquirer.SandboxError) as exc:
        acquirer.open_checkout(checkout.checkout_id)
    assert exc.value.code == "expired"


def test_refund_cannot_exceed_the_capture(world: dict[str, Any]) -> None:
    _payment, checkout = _checkout(world["city"], 300)
    charge = acquirer.pay(checkout, "qr").charge
    acquirer.refund(charge.charge_id, 200)
    with pytest.raises(acquirer.SandboxError):
        acquirer.refund(charge.charge_id, 101)


@pytest.mark.parametrize(("method", "amount", "fee"), [
    ("card", 300, 9), ("card", 1000, 32), ("emoney", 300, 9), ("qr", 300, 7), ("bank", 300, 110),
    ("qr", 39, 0)])
def test_provider_fees_round_down(method: str, amount: int, fee: int) -> None:
    assert provider_fee(method, amount) == fee


def test_settlement_file_totals_what_was_captured(world: dict[str, Any]) -> None:
    city = world["city"]
    for method, amount in (("card", 600), ("emoney", 300), ("bank", 900)):
        _p, checkout = _checkout(city, amount)
        extra = {"card_number": acquirer.APPROVED_CARD, "expiry": FUTURE, "cvc": "123"}
        acquirer.pay(checkout, method, **(extra if method == "card" else {}))
    _p, checkout = _checkout(city, 500)
    acquirer.pay(checkout, "card", card_number=acquirer.DECLINED_CARD, expiry=FUTURE, cvc="123")
    charge = SandboxCharge.objects.get(method="emoney")
    acquirer.refund(charge.charge_id, 300)
    rows = list(csv.reader(io.StringIO(settlement_csv(timezone.localdate(), city.code))))
    assert rows[0][:3] == ["settlement_id", "transaction_id", "reference"]
    lines, total = rows[1:-1], rows[-1]
    assert len(lines) == 4  # three captures, one refund; the decline is not money
    assert all(int(r[5]) - int(r[6]) == int(r[7]) for r in lines)
    assert total[0] == "TOTAL" and int(total[5]) == 600 + 300 + 900 - 300
    assert int(total[6]) == 19 + 9 + 110 and int(total[7]) == int(total[5]) - int(total[6])
    assert all(r[4].endswith("+09:00") for r in lines)
    assert settlement_csv(timezone.localdate(), world["town"].code).count("\n") == 2


def test_provider_registry_and_check(settings: Any, db: Any) -> None:
    assert "sandbox" in registry.codes()
    assert registry.default().code == "sandbox"
    assert registry.default().check().ok
    settings.MADO_PAYMENT_PROVIDER = "nope"
    with pytest.raises(Exception, match="nope"):
        registry.default()


def test_settlement_command_writes_the_file(world: dict[str, Any], tmp_path: Any) -> None:
    from django.core.management import call_command

    _p, checkout = _checkout(world["city"], 300)
    acquirer.pay(checkout, "qr")
    out = tmp_path / "s.csv"
    call_command("sandbox_settlement", "--date", timezone.localdate().isoformat(),
                 "--merchant", world["city"].code, "--output", str(out), skip_checks=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[-1] == "TOTAL,,,,,300,7,293"
