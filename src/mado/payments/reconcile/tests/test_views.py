"""Staff pages: upload, results, resolve, monthly CSV; bad input is a 4xx, tenants are isolated."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mado.payments import services as payments
from mado.payments.models import PaymentStatus
from mado.payments.reconcile.models import PaymentFile, PaymentLine
from mado.payments.reconcile.tests.factories import bank_csv

HOME = "/staff/payments/reconcile/"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(c: Client, data: bytes, name: str = "bank.csv") -> Any:
    return c.post(HOME, {"file": SimpleUploadedFile(name, data, "text/csv"), "provider": "sandbox"})


def test_upload_and_results(world: dict[str, Any]) -> None:
    c = _client(world["madoguchi"])
    p = payments.create_payment(world["city"], amount_yen=300, description="x", channel="slip")
    assert reverse("payments:reconcile_home") == HOME
    r = _upload(c, bank_csv([(p.reference, 300), (payments.new_reference(), 500)]))
    assert r.status_code == 302
    f = PaymentFile.objects.get()
    page = c.get(r["Location"])
    assert page.status_code == 200
    assert "該当する収納なし" in page.content.decode() and "ﾔﾏﾀﾞ" not in page.content.decode()
    assert "ヤマダ タロウ" in page.content.decode()
    p.refresh_from_db()
    assert p.status == PaymentStatus.PAID
    dup = _upload(c, f.content.tobytes() if hasattr(f.content, "tobytes") else bytes(f.content),
                  "again.csv")
    assert dup.status_code == 409 and "取込済み" in dup.content.decode()


def test_bad_uploads_are_4xx_never_5xx(world: dict[str, Any]) -> None:
    c = _client(world["madoguchi"])
    assert c.post(HOME, {}).status_code == 400
    r = _upload(c, b"name,age\nx,1\n")
    assert r.status_code == 400 and "見出し" in r.content.decode()
    assert _upload(c, b"\xff\xfe\x80\x81\xfa" * 5).status_code == 400
    r = c.post(HOME, {"file": SimpleUploadedFile("x.csv", b"a", "text/csv"), "provider": "BAD!"})
    assert r.status_code == 400
    assert c.get(HOME + "monthly/?month=2026-13").status_code == 400


def test_resolve_and_monthly_csv(world: dict[str, Any]) -> None:
    c = _client(world["madoguchi"])
    _upload(c, bank_csv([(payments.new_reference(), 500)]))
    line = PaymentLine.objects.get()
    url = reverse("payments:reconcile_line", args=[line.pk])
    assert c.post(url, {"action": "note"}).status_code == 400  # note missing
    assert c.post(url, {"action": "note", "note": "事業者に照会済み"}).status_code == 302
    line.refresh_from_db()
    assert line.is_resolved and line.resolved_by == world["madoguchi"]
    csv_response = c.get(HOME + "monthly/?month=2026-04&format=csv")
    assert csv_response.status_code == 200
    assert csv_response.content.decode("utf-8-sig").startswith("支払方法,")
    assert c.get(HOME + "monthly/?month=2026-04").status_code == 200


def test_other_municipality_and_roles(world: dict[str, Any]) -> None:
    _upload(_client(world["madoguchi"]), bank_csv([(payments.new_reference(), 500)]))
    f = PaymentFile.objects.get()
    town = _client(world["town_user"])
    assert town.get(reverse("payments:reconcile_file", args=[f.pk])).status_code == 404
    line = PaymentLine.objects.get()
    assert town.get(reverse("payments:reconcile_line", args=[line.pk])).status_code == 404
    assert f.filename not in town.get(HOME).content.decode()
    assert _client(world["hoken"]).get(HOME).status_code == 403


def test_the_file_page_writes_the_lines_of_an_interrupted_import(world: dict[str, Any]) -> None:
    """An import whose second connection never committed (reconcile.parallel): the page finishes it."""
    c = _client(world["madoguchi"])
    p = payments.create_payment(world["city"], amount_yen=300, description="x", channel="slip")
    _upload(c, bank_csv([(p.reference, 300), (payments.new_reference(), 500)]))
    f = PaymentFile.objects.get()
    PaymentLine.unscoped.filter(file=f).delete()  # as if the lines had not been committed
    PaymentFile.unscoped.filter(pk=f.pk).update(lines_pending=True, outcome_codes="mu")
    page = c.get(f"{HOME}files/{f.pk}/")
    assert page.status_code == 200
    assert "明細を書き込み中" not in page.content.decode()
    assert "該当する収納なし" in page.content.decode()
    assert list(PaymentLine.unscoped.filter(file=f).order_by("line_no")
                .values_list("outcome", "payment_id")) == [("matched", p.pk), ("unmatched", None)]
    f.refresh_from_db()
    assert not f.lines_pending and f.outcome_codes == ""
