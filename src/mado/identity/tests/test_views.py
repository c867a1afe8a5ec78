"""Resident pages /id/card/ and /id/email/: redirects, refusals, no open redirect."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from mado.identity import jpki, services
from mado.identity.models import DemoCard

PIN = jpki.DEMO_PIN


def form_fields(html: str) -> dict[str, str]:
    return {
        "challenge": re.search(r'name="challenge" value="([^"]+)"', html).group(1),
        "nonce": re.search(r'name="nonce" value="([^"]+)"', html).group(1),
    }


def post_card(client: Client, card: DemoCard, pin: str = PIN, next_url: str = "/apply/x/"):
    page = client.get("/id/card/", {"next": next_url})
    assert page.status_code == 200
    data = form_fields(page.content.decode())
    data.update({"card": str(card.pk), "pin": pin, "next": next_url})
    return client.post("/id/card/", data)


def test_card_page_lists_demo_cards_with_labelled_form(client, card):
    page = client.get("/id/card/")
    html = page.content.decode()
    assert page.status_code == 200
    assert card.label in html and 'for="pin"' in html and 'aria-describedby="pin-help"' in html
    assert "<script" not in html and "style=" not in html
    assert PIN in html  # the demo PIN is documented on the page


def test_card_sign_in_redirects_to_next(client, world, card):
    response = post_card(client, card)
    assert response.status_code == 302 and response["Location"] == "/apply/x/"
    identity = services.current_identity(response.wsgi_request)
    assert identity["level"] == "card" and identity["resident_id"] == world["takahashi"].pk
    home = client.get("/id/").content.decode()
    assert "髙橋　太郎" in home and "千葉県茂原市町保1番地" in home


def test_wrong_pin_keeps_form_and_links_error(client, card):
    response = post_card(client, card, pin="0000zzzz")
    html = response.content.decode()
    assert response.status_code == 400
    assert "暗証番号が違います" in html and "The signature PIN is incorrect" in html
    assert 'aria-describedby="pin-help pin-error"' in html and 'aria-invalid="true"' in html
    assert f'value="{card.pk}" checked' in html  # the chosen card is kept
    assert "0000zzzz" not in html  # a PIN is never echoed back
    assert services.current_identity(response.wsgi_request) is None


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("revoked", "失効しています"),
        ("foreign", "信頼できる認証局"),
        ("expired", "有効期限が切れて"),
    ],
)
def test_refused_cards_show_the_reason(client, world, kind, message):
    made = services.seed_demo_cards(world["city"], [world["hanako"]], key_type="ec")
    card = next(c for c in made if c.kind == kind)
    response = post_card(client, card)
    html = response.content.decode()
    assert response.status_code == 403
    assert message in html and 'role="alert"' in html and 'name="pin"' in html
    assert services.current_identity(response.wsgi_request) is None


def test_missing_choices_are_400(client, card):
    page = client.get("/id/card/")
    data = form_fields(page.content.decode())
    response = client.post("/id/card/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "カードを選んでください" in html and "暗証番号を入力してください" in html


def test_posting_the_same_challenge_twice(client, card):
    page = client.get("/id/card/")
    data = form_fields(page.content.decode()) | {"card": str(card.pk), "pin": PIN}
    assert client.post("/id/card/", data).status_code == 302
    again = client.post("/id/card/", data)
    assert again.status_code == 400 and "すでに使われています" in again.content.decode()


def test_tampered_nonce_is_refused(client, card):
    page = client.get("/id/card/")
    data = form_fields(page.content.decode()) | {"card": str(card.pk), "pin": PIN}
    data["nonce"] = "0" * 64
    response = client.post("/id/card/", data)
    assert response.status_code == 403 and "署名を確認できませんでした" in response.content.decode()


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "evil"],
)
def test_open_redirect_refused(client, card, target):
    response = post_card(client, card, next_url=target)
    assert response.status_code == 302 and response["Location"] == "/id/"


def test_other_municipalitys_card_cannot_be_used(client, world, ca, card):
    town_card = jpki.issue_card(
        world["town_takahashi"], ca=ca, municipality=world["town"], key_type="ec"
    )
    assert town_card.label not in client.get("/id/card/").content.decode()
    response = post_card(client, town_card)
    assert response.status_code == 400


def test_sign_out(client, card):
    post_card(client, card)
    response = client.post("/id/signout/")
    assert response.status_code == 302
    assert services.current_identity(response.wsgi_request) is None


def test_email_flow(client, world):
    response = client.post("/id/email/", {"email": "taro@example.jp", "next": "/apply/x/"})
    assert response.status_code == 200 and "taro@example.jp" in response.content.decode()
    link = re.search(r"http://testserver(/id/email/[^/\s]+/)", mail.outbox[0].body).group(1)
    confirm = client.get(link)
    assert confirm.status_code == 200 and "サインインします" in confirm.content.decode()
    done = client.post(link)
    assert done.status_code == 302 and done["Location"] == "/apply/x/"
    assert services.current_identity(done.wsgi_request)["email"] == "taro@example.jp"
    again = client.get(link)
    assert again.status_code == 400 and "すでに使われています" in again.content.decode()


def test_email_bad_address_and_rate_limit(client, sample_city):
    bad = client.post("/id/email/", {"email": "nope"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    assert 'value="nope"' in bad.content.decode()
    for _ in range(5):
        assert client.post("/id/email/", {"email": "x@example.jp"}).status_code == 200
    limited = client.post("/id/email/", {"email": "x@example.jp"})
    assert limited.status_code == 429 and "1時間" in limited.content.decode()


def test_tampered_email_link(client, sample_city):
    response = client.get("/id/email/abc:def:ghi/")
    assert response.status_code == 400 and "正しくありません" in response.content.decode()


def test_admin_lists_cards_and_resets_a_locked_pin(client, card, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "r@example.jp", "pw-test-only")
    client.force_login(admin_user)
    DemoCard.unscoped.filter(pk=card.pk).update(failed_pin_count=5)
    page = client.get("/admin/identity/democard/")
    assert page.status_code == 200 and card.label in page.content.decode()
    assert (
        "PRIVATE KEY"
        not in client.get(f"/admin/identity/democard/{card.pk}/change/").content.decode()
    )
    client.post("/admin/identity/democard/", {"action": "reset_pin", "_selected_action": [card.pk]})
    card.refresh_from_db()
    assert card.failed_pin_count == 0
