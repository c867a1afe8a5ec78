"""Smaller promises of the apply pages: navigator links, sign-in choices, computed values, PDF."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client

from mado.apply import services
from mado.apply.tests.conftest import CODE, DEFINITION, publish
from mado.apply.tests.test_flow import BASE, applicant_post, request_post, start
from mado.core.tenancy import use_municipality
from mado.submissions.models import Submission


def test_apply_url_exists_only_for_a_published_form(city_form: Any, world: Any) -> None:
    with use_municipality(world["city"]):
        assert services.apply_url(CODE) == BASE
    with use_municipality(world["town"]):  # same procedure, no form published in the town
        assert services.apply_url(CODE) is None
    assert services.has_published_form(CODE, world["city"])
    assert not services.has_published_form(CODE, world["town"])


def test_email_level_form_offers_both_sign_in_methods(world: Any) -> None:
    from mado.apply.tests.conftest import CATALOGUE
    from mado.procedures.services import import_catalogue

    assert import_catalogue(world["city"], CATALOGUE).ok
    publish(world["city"], {**DEFINITION, "code": "email-form", "identity": "email"})
    body = Client().get(BASE).content.decode()
    assert "/id/card/?next=" in body and "/id/email/?next=" in body
    assert "申請をはじめる" not in body


def test_computed_value_is_shown_read_only_never_as_an_input(card_client: Client) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    body = card_client.get(BASE + "request/").content.decode()
    assert 'name="f-fee_total"' not in body and "自動で計算" in body
    response = card_client.post(BASE + "request/", request_post(**{"f-copies": "3",
                                                                   "f-fee_total": "1"}))
    assert response.status_code == 302
    card_client.post(BASE + "review/")
    assert Submission.unscoped.get().data["fee_total"] == 900


def test_step_without_a_draft_goes_back_to_the_intro(card_client: Client) -> None:
    response = card_client.get(BASE + "applicant/")
    assert response.status_code == 302 and response["Location"] == BASE
    assert card_client.get(BASE + "no-such-step/").status_code == 404


def test_receipt_of_someone_else_is_not_shown(card_client: Client) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    card_client.post(BASE + "request/", request_post())
    card_client.post(BASE + "review/")
    sub = Submission.unscoped.get()
    assert Client().get(f"/apply/receipt/{sub.pk}/").status_code == 404
    assert Client().get(f"/apply/receipt/{sub.pk}.pdf").status_code == 404


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_receipt_pdf_carries_the_number_and_the_name(card_client: Client, tmp_path: Any) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    card_client.post(BASE + "request/", request_post())
    card_client.post(BASE + "review/")
    sub = Submission.unscoped.get()
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(card_client.get(f"/apply/receipt/{sub.pk}.pdf").content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,  # noqa: S603, S607 - a test, fixed argv
                          check=True, text=True).stdout
    assert sub.receipt_number in text and "髙橋" in text and "受付票" in text
