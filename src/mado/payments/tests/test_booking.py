"""The payment kernel: references with a check digit, and booking a payment exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mado.payments import services
from mado.payments.models import PaymentStatus
from mado.submissions.models import ServiceEvent


@given(st.integers(min_value=0, max_value=10**12 - 1), st.integers(0, 11), st.integers(1, 9))
def test_a_mistyped_digit_is_caught(body: int, position: int, delta: int) -> None:
    digits = f"{body:012d}"
    from mado.submissions.receipts import damm_check_digit

    reference = digits + str(damm_check_digit(digits))
    assert services.validate_reference(reference) == reference
    wrong = list(reference)
    wrong[position] = str((int(wrong[position]) + delta) % 10)
    with pytest.raises(services.PaymentReferenceError):
        services.validate_reference("".join(wrong))


def test_typed_forms_of_a_reference_are_accepted() -> None:
    reference = services.new_reference()
    printed = services.format_reference(reference)
    wide = printed.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert services.validate_reference(wide) == reference
    with pytest.raises(services.PaymentReferenceError, match="13桁"):
        services.validate_reference("12345")


def test_a_payment_is_booked_once(world: dict[str, Any]) -> None:
    city = world["city"]
    payment = services.create_payment(city, amount_yen=300, description="住民票の写し", channel="web")
    assert payment.status == PaymentStatus.PENDING and len(payment.reference) == 13
    first = services.book_payment(payment, method="card", amount_yen=300, source="test")
    again = services.book_payment(payment, method="card", amount_yen=300, source="test")
    assert first.booked and not again.booked and again.problem == "already_paid"
    assert ServiceEvent.unscoped.filter(kind="payment_received", payment_method="card").count() == 1


def test_a_wrong_amount_is_not_booked(world: dict[str, Any]) -> None:
    city = world["city"]
    payment = services.create_payment(city, amount_yen=300, description="x", channel="slip")
    result = services.book_payment(payment, method="slip", amount_yen=200, source="test")
    assert not result.booked and result.problem == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
