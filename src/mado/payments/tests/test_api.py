"""GET /api/v1/payments/{reference}: staff token, tenant scope, refunds, JSON errors, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mado.core.services import issue_token
from mado.payments import services
from mado.payments.models import Refund


@pytest.fixture
def tokens(world: dict[str, Any]) -> dict[str, str]:
    return {"city": issue_token(world["madoguchi"], "t"), "town": issue_token(world["town_user"], "t")}


def _get(client: Client, reference: str, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1/payments/{reference}", **headers)


def test_a_paid_and_partly_refunded_payment(client: Client, world: dict[str, Any],
                                            tokens: dict[str, str]) -> None:
    p = services.create_payment(world["city"], amount_yen=1650, description="x", channel="slip",
                                procedure_code="sodai-gomi")
    assert services.book_payment(p, method="qr", amount_yen=1650, paid_at=timezone.now(),
                                 source="test").booked
    Refund.unscoped.create(municipality=world["city"], payment=p, amount_yen=300, reason="過誤納")
    p.refresh_from_db()
    body = _get(client, services.format_reference(p.reference), tokens["city"]).json()
    assert body["reference"] == p.reference and body["status"] == "paid"
    assert (body["amount_yen"], body["method"], body["procedure_code"]) == (1650, "qr", "sodai-gomi")
    assert body["paid_at"] and body["refunds"][0]["amount_yen"] == 300
    assert body["refunds"][0]["reason"] == "過誤納"


def test_tenant_scope_auth_and_bad_references(client: Client, world: dict[str, Any],
                                              tokens: dict[str, str]) -> None:
    p = services.create_payment(world["city"], amount_yen=300, description="x", channel="web")
    assert _get(client, p.reference, tokens["city"]).json()["status"] == "pending"
    other = _get(client, p.reference, tokens["town"])  # テスト町's token: as if it did not exist
    assert other.status_code == 404 and " / " in other.json()["detail"]
    assert _get(client, p.reference, None).status_code == 401
    assert _get(client, p.reference, "nonsense").status_code == 401
    wrong_digit = p.reference[:12] + str((int(p.reference[12]) + 1) % 10)
    assert _get(client, wrong_digit, tokens["city"]).status_code == 400
    assert _get(client, "abc", tokens["city"]).status_code == 400
    assert _get(client, "9" * 500, tokens["city"]).status_code == 400


def test_the_endpoint_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/payments/{reference}"]["get"]
    assert {"200", "400", "401", "404"} <= set(op["responses"])
    assert "PaymentOut" in schema["components"]["schemas"]
