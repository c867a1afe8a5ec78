"""The paper form (PDF) drawn from a definition: demo forms, blank and filled, fonts, pages, views."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mado.eforms import paper
from mado.eforms.demo import demo_definitions
from mado.eforms.paper import render_paper_form
from mado.eforms.samples import example, realistic_values
from mado.navigator.pdf import FONT_CANDIDATES

HAS_PDFTOTEXT = shutil.which("pdftotext") is not None
needs_pdftotext = pytest.mark.skipif(not HAS_PDFTOTEXT, reason="pdftotext (poppler-utils) missing")
IPAMJ = FONT_CANDIDATES[0][1]
DEMO = demo_definitions()


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"],  # noqa: S603, S607 - a test, fixed argv
                          capture_output=True, check=True, text=True).stdout


def pages_of(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")


def sample_values(definition: dict[str, Any]) -> dict[str, Any]:
    """What a resident might send for every field, with choices taken from the definition."""
    values = realistic_values(definition)
    for step in definition["steps"]:
        for f in step["fields"]:
            if f["type"] == "choice":
                values[f["key"]] = f["choices"][0]["value"]
            elif f["type"] == "multichoice":
                values[f["key"]] = [f["choices"][-1]["value"]]
            elif f["type"] == "group":
                row = realistic_values({"steps": [{"fields": f["fields"]}]})
                for c in f["fields"]:
                    if c["type"] in ("choice", "multichoice"):
                        first = c["choices"][0]["value"]
                        row[c["key"]] = [first] if c["type"] == "multichoice" else first
                    row.pop(c["key"], None) if c["type"] == "file" else None
                values[f["key"]] = [row, copy.deepcopy(row)]
            elif f["type"] == "file":
                values.pop(f["key"], None)
    return values


@pytest.mark.parametrize("definition", DEMO, ids=[d["code"] for d in DEMO])
def test_every_demo_form_renders_blank_and_filled(definition: dict[str, Any],
                                                  tmp_path: Path) -> None:
    blank = render_paper_form(definition, municipality_name="サンプル市")
    filled = render_paper_form(definition, values=sample_values(definition),
                               municipality_name="サンプル市", receipt_number="20250401-0001-7")
    assert blank.startswith(b"%PDF") and filled.startswith(b"%PDF")
    if not HAS_PDFTOTEXT:
        pytest.skip("pdftotext (poppler-utils) missing: text not checked")
    text = text_of(blank, tmp_path)
    assert definition["title"] in text and "サンプル市" in text
    assert "上記のとおり申請します" in text and "氏名（署名）" in text
    first = next(f for f in definition["steps"][0]["fields"] if f["type"] != "section")
    assert first["label"][:6] in text
    filled_text = text_of(filled, tmp_path)
    assert "20250401-0001-7" in filled_text and "受付番号" in filled_text


@needs_pdftotext
def test_blank_form_prints_boxes_and_era_for_handwriting(tmp_path: Path) -> None:
    text = text_of(render_paper_form(example(), municipality_name="サンプル市"), tmp_path)
    for label in ("氏名", "フリガナ", "生年月日", "郵便番号", "住所", "日中の電話番号", "使いみち",
                  "記載事項", "世帯員", "連絡事項"):
        assert label in text, label
    assert "明・大・昭・平・令" in text and "〒" in text
    assert "□ 勤務先へ提出" in text and "■" not in text
    assert "添付書類: 委任状" in text and "該当する場合のみ" in text  # shown when a proxy applies
    assert "受付番号" not in text  # none given
    assert "（宛先）サンプル市長" in text


@needs_pdftotext
def test_filled_form_prints_values_wareki_and_rare_characters(tmp_path: Path) -> None:
    values = {
        "name": {"family": "髙橋", "given": "﨑子", "family_kana": "タカハシ", "given_kana": "サキコ"},
        "birth_date": "1980-04-01", "postal_code": "2970022", "address": "千葉県茂原市道表1番地",
        "phone": "0475232111", "applicant_type": "self", "copies": 2, "purpose": "work",
        "items": ["relationship"], "agree": True,
        "members": [{"name": {"family": "山﨑", "given": "次郎"}, "birth_date": "2019-05-01",
                     "relationship": "子"}],
    }
    text = text_of(render_paper_form(example(), values=values, municipality_name="サンプル市",
                                     receipt_number="R-0001"), tmp_path)
    assert "髙橋" in text and "﨑子" in text and "山﨑 次郎" in text
    assert "昭和55年4月1日" in text and "令和元年5月1日" in text
    assert "■ 本人・同一世帯の方" in text and "□ 代理人" in text
    assert "■ 続柄" in text and "□ 本籍・筆頭者" in text
    assert "■ 記載内容に誤りがないことを確認しました" in text
    assert "600" in text  # fee_total computed: 2 copies × 300
    assert "代理人の氏名" not in text  # hidden by logic when the applicant is not a proxy
    assert "明・大・昭・平・令" not in text.split("上記のとおり")[0]


def test_embedded_font_when_the_font_file_exists() -> None:
    pdf = render_paper_form(example(), values={"name": {"family": "𠮷田", "given": "髙"}})
    if not IPAMJ.exists():
        pytest.skip(f"{IPAMJ} not installed: nothing to embed")
    assert b"FontFile2" in pdf and b"IPAmjMincho" in pdf


def test_groups_with_no_rows_and_many_rows(tmp_path: Path) -> None:
    definition = example()
    empty = render_paper_form(definition, values={"members": []})
    assert empty.startswith(b"%PDF")
    row = {"name": {"family": "髙橋", "given": "太郎"}, "birth_date": "令和2年4月1日",
           "relationship": "子"}
    definition["steps"][1]["fields"][6]["max"] = 40
    many = render_paper_form(definition, values={"members": [dict(row) for _ in range(30)]})
    assert pages_of(many) > pages_of(empty) >= 1
    if HAS_PDFTOTEXT:
        text = text_of(many, tmp_path)
        assert text.count("令和2年4月1日") == 30 and "\n 30 " in text.replace("\f", "\n")


def test_blank_group_has_at_least_three_rows_or_its_minimum(tmp_path: Path) -> None:
    definition = example()
    group = definition["steps"][1]["fields"][6]
    assert group["type"] == "group"
    group["min"] = 5
    if not HAS_PDFTOTEXT:
        pytest.skip("pdftotext (poppler-utils) missing")
    text = text_of(render_paper_form(definition), tmp_path)
    assert text.count("明・大・昭・平・令") == 5 + 1  # five rows + the applicant's birth date


@needs_pdftotext
def test_boxes_are_drawn_when_the_font_lacks_them(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setattr(paper, "_has_glyphs", lambda font, chars: False)
    text = text_of(render_paper_form(example(), values={"purpose": "work", "agree": True}),
                   tmp_path)
    assert "勤務先へ提出" in text and "□" not in text and "■" not in text


@needs_pdftotext
def test_english_labels(tmp_path: Path) -> None:
    text = text_of(render_paper_form(example(), lang="en", municipality_name="Sample City"),
                   tmp_path)
    assert "Request a copy of the residence certificate by mail" in text
    assert "Date of birth" in text and "I apply as stated above." in text


def test_invalid_definition_is_refused() -> None:
    from mado.eforms.logic import DefinitionInvalid

    with pytest.raises(DefinitionInvalid):
        render_paper_form({"schema": 1, "code": "x"})


# -- views (apply app) ------------------------------------------------------------------


@pytest.fixture
def published(world: dict[str, Any], settings: Any, tmp_path: Path) -> Any:
    from mado.apply.tests.conftest import CATALOGUE, publish
    from mado.procedures.services import import_catalogue

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert import_catalogue(world["city"], CATALOGUE).ok
    return publish(world["city"])


def test_blank_form_view_returns_the_pdf(published: Any, tmp_path: Path) -> None:
    from mado.apply.tests.conftest import CODE

    response = Client().get(f"/apply/{CODE}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    if HAS_PDFTOTEXT:
        text = text_of(response.content, tmp_path)
        assert "住民票の写しの郵送請求（テスト）" in text and "サンプル市" in text
    intro = Client().get(f"/apply/{CODE}/").content.decode()
    assert f'href="/apply/{CODE}/form.pdf"' in intro and "印刷用の様式（PDF）" in intro


def test_blank_form_view_404_for_unknown_or_unpublished(published: Any, world: Any) -> None:
    assert Client().get("/apply/no-such-procedure/form.pdf").status_code == 404


def test_submitted_application_printed_for_its_applicant_only(published: Any, world: Any,
                                                             tmp_path: Path) -> None:
    from mado.apply.tests.conftest import card_identity, sign_in
    from mado.apply.tests.test_flow import BASE, applicant_post, request_post, start
    from mado.submissions.models import Submission

    client = Client()
    sign_in(client, card_identity(world["takahashi"], world["city"]))
    start(client)
    client.post(BASE + "applicant/", applicant_post())
    client.post(BASE + "request/", request_post())
    client.post(BASE + "review/")
    sub = Submission.unscoped.get()
    response = client.get(f"/apply/receipt/{sub.pk}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert Client().get(f"/apply/receipt/{sub.pk}/form.pdf").status_code == 404
    if HAS_PDFTOTEXT:
        text = text_of(response.content, tmp_path)
        assert sub.receipt_number in text and "髙橋" in text and "昭和55年4月1日" in text


@needs_pdftotext
def test_characters_beyond_the_bmp_can_be_copied(tmp_path: Path) -> None:
    """𠮷 (U+20BB7) is drawn and also extracted as itself, not as a truncated ₻."""
    if not IPAMJ.exists():
        pytest.skip(f"{IPAMJ} not installed: 𠮷 needs the embedded font")
    pdf = render_paper_form(example(), values={"name": {"family": "𠮷田", "given": "髙"}})
    text = text_of(pdf, tmp_path)
    assert "𠮷田" in text and "₻" not in text
