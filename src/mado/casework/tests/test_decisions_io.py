"""Decision notices, exports, signed webhooks and the portal import port."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import shutil
import subprocess
from typing import Any

import pytest
from django.core import mail

from mado.casework import decisions, exports, imports
from mado.casework import services as svc
from mado.casework.models import Case, Notice, NoticeTemplate, Webhook
from mado.casework.tests.conftest import file_submission
from mado.submissions.models import Status, Submission

pytestmark = pytest.mark.django_db


def _approved(cw: dict[str, Any]) -> Any:
    from mado.casework import approval

    case = file_submission(cw, cw["takahashi"])
    svc.accept(case, by=cw["reviewer"])
    svc.start_review(case, by=cw["reviewer"])
    approval.submit_for_approval(case, by=cw["reviewer"])
    approval.approve_step(case, by=cw["kakaricho"])
    approval.approve_step(case, by=cw["kacho"])
    return case


def test_complete_issues_notice_from_the_procedures_template(cw: dict[str, Any]) -> None:
    NoticeTemplate.unscoped.create(
        municipality=cw["city"], procedure=cw["procedure"], kind="approved",
        title="{{ procedure }}について", body="{{ name }} 様\n受付番号 {{ receipt_number }} は受理しました。")
    case = _approved(cw)
    svc.complete(case, by=cw["reviewer"])
    notice = Notice.unscoped.get(case=case)
    assert notice.title == "市・県民税の申告について"
    assert "髙橋 太郎 様" in notice.body and case.submission.receipt_number in notice.body
    assert mail.outbox and mail.outbox[0].to == ["taro@example.jp"]
    assert f"/my/{case.submission_id}/notice/" in mail.outbox[0].body
    pdf = decisions.notice_pdf(notice)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):  # poppler-utils present
        text = subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=pdf,
                              capture_output=True, check=False).stdout.decode()
        assert "髙橋" in text


def test_notice_templates_cannot_reach_beyond_their_context(cw: dict[str, Any]) -> None:
    with pytest.raises(decisions.NoticeTemplateError):
        decisions.render_template("x", "{% load static %}{% static 'a' %}", {})
    with pytest.raises(decisions.NoticeTemplateError):
        decisions.render_template("x", "{% include '/etc/passwd' %}", {})


def test_reject_sends_a_rejection_notice_with_the_reason(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    svc.reject(case, by=cw["reviewer"], reason="所得があるため")
    notice = Notice.unscoped.get(case=case)
    assert notice.kind == "rejected" and "所得があるため" in notice.body
    assert case.submission.status == Status.REJECTED


def test_exports_of_decided_cases(cw: dict[str, Any]) -> None:
    case = _approved(cw)
    svc.complete(case, by=cw["reviewer"])
    file_submission(cw, cw["hanako"])  # open: not exported
    rows = list(csv.DictReader(io.StringIO(exports.export_csv(
        exports.decided_cases(cw["city"])))))
    assert len(rows) == 1 and rows[0]["receipt_number"] == case.submission.receipt_number
    assert json.loads(rows[0]["data_json"])["reason"] == "unemployed"
    doc = json.loads(exports.export_json(exports.decided_cases(cw["city"])))
    assert doc["cases"][0]["status"] == "completed"


def test_webhook_is_signed_with_hmac(cw: dict[str, Any]) -> None:
    Webhook.unscoped.create(municipality=cw["city"], name="core", url="http://core.invalid/h",
                            secret="s3cret")
    case = _approved(cw)
    svc.complete(case, by=cw["reviewer"])
    seen: list[tuple[str, bytes, dict[str, str]]] = []
    results = exports.deliver_webhooks(case, sender=lambda u, b, h: seen.append((u, b, h)) or 204)
    assert results == [("core", 204)]
    _url, body, headers = seen[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Mado-Signature"] == expected
    assert json.loads(body)["receipt_number"] == case.submission.receipt_number


def test_webhook_failure_is_recorded_not_raised(cw: dict[str, Any]) -> None:
    Webhook.unscoped.create(municipality=cw["city"], name="down", url="http://127.0.0.1:9/x",
                            secret="k")
    case = _approved(cw)
    svc.complete(case, by=cw["reviewer"])  # delivery fails (nothing listens on port 9)
    assert any("Webhook down: error" in t["text"] for t in svc.timeline(case))


PITTARI = {"format": "pittari/1 (SIMULATED)", "applications": [
    {"application_id": "P-001", "procedure_code": "shikenminzei-shinkoku",
     "applicant": {"name": "山田 一郎", "name_kana": "ヤマダ イチロウ", "birth_date": "昭和55年4月1日",
                   "email": "ichiro@example.jp"}, "form": {"reason": "student"}},
    {"application_id": "P-002", "procedure_code": "shikenminzei-shinkoku",
     "applicant": {"name": "壊れ 太郎", "birth_date": "not a date"}},
    {"application_id": "P-003", "procedure_code": "no-such-procedure",
     "applicant": {"name": "手続 無し", "birth_date": "1990-01-01"}},
    {"application_id": "P-004", "procedure_code": "shikenminzei-shinkoku",
     "applicant": {"name": "鈴木 花", "birth_date": "1999-09-09"}},
]}


def test_import_reports_broken_records_and_imports_the_rest(cw: dict[str, Any]) -> None:
    report = imports.import_portal_file(cw["city"], json.dumps(PITTARI, ensure_ascii=False),
                                        layout="pittari")
    assert len(report.imported) == 2
    assert [p.position for p in report.problems] == [2, 3]
    assert "生年月日" in report.problems[0].message
    subs = Submission.unscoped.filter(channel="national_portal")
    assert subs.count() == 2  # never half a record: the broken ones left nothing behind
    assert Case.unscoped.filter(submission__in=subs).count() == 2
    assert subs.get(identity_subject="portal:P-001").data["birth_date"] == "1980-04-01"
    again = imports.import_portal_file(cw["city"], json.dumps(PITTARI, ensure_ascii=False),
                                       layout="pittari")
    assert not again.imported and len(again.problems) == 4  # duplicates refused too


def test_hikkoshi_csv_import_and_line_numbers(cw: dict[str, Any]) -> None:
    text = ("申請ID,手続コード,氏名,氏名カナ,生年月日,前住所,新住所,異動日,メールアドレス\n"
            "H-1,shikenminzei-shinkoku,引越 一,ヒッコシ ハジメ,1985-05-05,東京都,千葉県,2026-04-01,\n"
            "H-2,shikenminzei-shinkoku,,,1985-05-05,東京都,千葉県,2026-04-01,\n")
    report = imports.import_portal_file(cw["city"], text, layout="hikkoshi")
    assert len(report.imported) == 1
    assert [(p.position, "氏名" in p.message) for p in report.problems] == [(3, True)]


def test_import_of_a_bad_file_says_why(cw: dict[str, Any]) -> None:
    report = imports.import_portal_file(cw["city"], "{not json", layout="pittari")
    assert not report.imported and report.problems[0].position == 0
