"""The resident journey through /apply/<code>/ with the Django client."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client

from mado.apply.tests.conftest import CODE
from mado.submissions.models import ServiceEvent, Submission

BASE = f"/apply/{CODE}/"


def start(client: Client) -> None:
    response = client.post(BASE + "start/")
    assert response.status_code == 302 and response["Location"] == BASE + "applicant/"


def applicant_post(**over: str) -> dict[str, str]:
    data = {"f-name-family": "髙橋", "f-name-given": "太郎", "f-name-family_kana": "タカハシ",
            "f-name-given_kana": "タロウ", "f-name_kana": "タカハシ タロウ",
            "f-birth_date": "1980-04-01", "f-address": "千葉県茂原市町保1番地",
            "f-email": "taro@example.jp", "_action": "next"}
    data.update(over)
    return data


def request_post(**over: str) -> dict[str, str]:
    data = {"f-copies": "2", "f-applicant_type": "self", "f-other_date": "",
            "f-members-rows": "0", "_action": "next"}
    data.update(over)
    return data


def test_unknown_procedure_is_a_404_with_a_link_to_the_navigator(city_form: Any) -> None:
    response = Client().get("/apply/no-such-procedure/")
    assert response.status_code == 404
    assert 'href="/navi/"' in response.content.decode()


def test_intro_shows_fee_and_asks_for_the_card(city_form: Any) -> None:
    response = Client().get(BASE)
    body = response.content.decode()
    assert response.status_code == 200
    assert "住民票の写しの郵送請求（テスト）" in body and "1通300円" in body
    assert f"/id/card/?next=%2Fapply%2F{CODE}%2F" in body
    # Without the card the flow cannot be started.
    assert Client().post(BASE + "start/").status_code == 302
    assert not Submission.unscoped.exists()


def test_whole_journey_with_the_card(card_client: Client, world: Any) -> None:
    start(card_client)
    page = card_client.get(BASE + "applicant/")
    body = page.content.decode()
    assert "ステップ 1 / 2" in body and 'aria-current="step"' in body
    assert "マイナンバーカードから" in body
    assert 'value="髙橋"' in body and "readonly" in body
    assert 'value="タカハシ\u3000タロウ"' in body  # from the registry

    response = card_client.post(BASE + "applicant/", applicant_post())
    assert response.status_code == 302 and response["Location"] == BASE + "request/"
    response = card_client.post(BASE + "request/", request_post())
    assert response.status_code == 302 and response["Location"] == BASE + "review/"
    review = card_client.get(BASE + "review/").content.decode()
    assert "昭和55年4月1日" in review and "600円" in review and "変更する" in review

    response = card_client.post(BASE + "review/")
    assert response.status_code == 302
    sub = Submission.unscoped.get()
    assert sub.receipt_number and sub.status == "submitted" and sub.identity_level == "card"
    assert sub.data["fee_total"] == 600 and sub.data["name"]["family"] == "髙橋"
    assert "proxy_doc" not in sub.data  # hidden by logic
    receipt = card_client.get(response["Location"]).content.decode()
    assert sub.receipt_number in receipt
    kinds = list(ServiceEvent.unscoped.values_list("kind", flat=True))
    assert kinds.count("step_completed") == 2 and "form_started" in kinds and "submitted" in kinds
    submitted = ServiceEvent.unscoped.get(kind="submitted")
    assert submitted.fields_prefilled >= 4 and submitted.fields_typed >= 2
    assert len(mail.outbox) == 1 and sub.receipt_number in mail.outbox[0].body

    pdf = card_client.get(f"/apply/receipt/{sub.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    my = card_client.get("/my/").content.decode()
    assert sub.receipt_number in my and "申請済" in my


def test_bad_input_is_kept_and_answered_with_400(card_client: Client) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    response = card_client.post(BASE + "request/", request_post(**{
        "f-copies": "たくさん", "f-other_date": "令和0年13月1日"}))
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="たくさん"' in body and 'value="令和0年13月1日"' in body
    assert 'aria-invalid="true"' in body and 'class="error-summary"' in body
    assert 'href="#f-other_date"' in body and 'href="#f-copies"' in body
    assert "必要な日" in body


def test_half_width_kana_is_normalised(card_client: Client) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post(**{"f-name_kana": "ﾀｶﾊｼ ﾀﾛｳ"}))
    card_client.post(BASE + "request/", request_post())
    card_client.post(BASE + "review/")
    assert Submission.unscoped.get().data["name_kana"] == "タカハシ\u3000タロウ"


def test_locked_fields_cannot_be_changed_by_a_crafted_post(card_client: Client) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post(**{
        "f-name-family": "偽名", "f-birth_date": "2000-01-01", "f-address": "東京都"}))
    card_client.post(BASE + "request/", request_post())
    card_client.post(BASE + "review/")
    data = Submission.unscoped.get().data
    assert data["name"]["family"] == "髙橋"
    assert data["birth_date"] == "1980-04-01" and data["address"] == "千葉県茂原市町保1番地"


def test_group_rows_are_added_and_removed_without_javascript(card_client: Client) -> None:
    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    response = card_client.post(BASE + "request/", request_post(_action="add:members"))
    assert response.status_code == 302 and response["Location"].endswith("#f-members")
    body = card_client.get(BASE + "request/").content.decode()
    assert 'name="f-members-0-member_name"' in body
    assert 'value="2"' in body  # the typed copies survived the add
    card_client.post(BASE + "request/", request_post(**{
        "f-members-rows": "1", "f-members-0-member_name": "髙橋 花子",
        "f-members-0-member_kana": "ﾀｶﾊｼ ﾊﾅｺ", "_action": "add:members"}))
    body = card_client.get(BASE + "request/").content.decode()
    assert 'name="f-members-1-member_name"' in body and 'value="髙橋 花子"' in body
    card_client.post(BASE + "request/", request_post(**{
        "f-members-rows": "2", "f-members-0-member_name": "髙橋 花子",
        "f-members-0-member_kana": "ﾀｶﾊｼ ﾊﾅｺ", "f-members-1-member_name": "",
        "_action": "remove:members:1"}))
    card_client.post(BASE + "request/", request_post(**{
        "f-members-rows": "1", "f-members-0-member_name": "髙橋 花子",
        "f-members-0-member_kana": "ﾀｶﾊｼ ﾊﾅｺ"}))
    card_client.post(BASE + "review/")
    members = Submission.unscoped.get().data["members"]
    assert members == [{"member_name": "髙橋 花子", "member_kana": "タカハシ\u3000ハナコ"}]


def test_logic_requires_the_proxy_document_and_refuses_disguised_or_big_files(
        card_client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mado.apply.tests.conftest import PNG

    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    response = card_client.post(BASE + "request/", request_post(**{"f-applicant_type": "proxy"}))
    assert response.status_code == 400 and "委任状" in response.content.decode()
    disguised = SimpleUploadedFile("ininjo.pdf", b"MZ\x90\x00 not a pdf" * 10,
                                   content_type="application/pdf")
    response = card_client.post(BASE + "request/", {
        **request_post(**{"f-applicant_type": "proxy"}), "f-proxy_doc": disguised})
    body = response.content.decode()
    assert response.status_code == 400 and 'value="2"' in body
    assert "「委任状」" in body
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 5000, content_type="image/png")
    response = card_client.post(BASE + "request/", {
        **request_post(**{"f-applicant_type": "proxy"}), "f-proxy_doc": big})
    assert response.status_code == 400
    good = SimpleUploadedFile("ininjo.png", PNG, content_type="image/png")
    response = card_client.post(BASE + "request/", {
        **request_post(**{"f-applicant_type": "proxy"}), "f-proxy_doc": good})
    assert response.status_code == 302, response.content.decode()[:3000]
    card_client.post(BASE + "review/")
    sub = Submission.unscoped.get()
    assert sub.attachments.count() == 1 and sub.data["proxy_doc"] == str(sub.attachments.get().ref)


def test_save_and_resume_by_emailed_link(card_client: Client, world: Any) -> None:
    start(card_client)
    response = card_client.post(BASE + "applicant/", applicant_post(_action="save"))
    assert response["Location"] == BASE + "save/"
    response = card_client.post(BASE + "save/", {"email": "taro@example.jp"})
    assert response.status_code == 200 and len(mail.outbox) == 1
    link = next(w for w in mail.outbox[0].body.split() if "/apply/resume/" in w)
    path = link.split("testserver", 1)[1]
    # The same identity on another browser resumes the draft from the link.
    from mado.apply.tests.conftest import card_identity, sign_in

    other = Client()
    sign_in(other, card_identity(world["takahashi"], world["city"]))
    response = other.get(path)
    assert response.status_code == 302 and response["Location"] == BASE + "applicant/"
    assert 'value="taro@example.jp"' in other.get(BASE + "applicant/").content.decode()
    assert Client().get("/apply/resume/forged-token/").status_code == 404


def test_my_page_shows_only_own_municipality(card_client: Client, world: Any,
                                             settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "town.example"]
    from mado.apply.tests.conftest import card_identity, sign_in

    start(card_client)
    card_client.post(BASE + "applicant/", applicant_post())
    card_client.post(BASE + "request/", request_post())
    card_client.post(BASE + "review/")
    number = Submission.unscoped.get().receipt_number
    assert number in card_client.get("/my/").content.decode()
    # The town's resident with a card of the town, on the town's site, sees nothing of the city.
    world["town"].hostnames = "town.example"
    world["town"].save()
    town = Client(HTTP_HOST="town.example")
    sign_in(town, card_identity(world["town_takahashi"], world["town"]))
    body = town.get("/my/", HTTP_HOST="town.example").content.decode()
    assert number not in body and "まだ申請はありません" in body
    sub = Submission.unscoped.get()
    assert town.get(f"/apply/receipt/{sub.pk}/", HTTP_HOST="town.example").status_code == 404
    assert Client().get("/my/").status_code == 200
    assert "/id/card/" in Client().get("/my/").content.decode()
