"""Staff shell: sign-in with audit, registry search and detail, 個人番号 reveal, audit page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from mado.conftest import make_staff
from mado.core.audit import Action
from mado.core.models import AuditEntry, StaffMembership

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_works_and_is_audited(world: dict[str, Any]) -> None:
    client = Client()
    response = client.post(
        reverse("staff:login"), {"username": "madoguchi", "password": "pw-for-tests-only"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:home")
    entry = AuditEntry.objects.filter(action=Action.LOGIN).get()
    assert entry.actor == "madoguchi"
    assert entry.municipality == world["city"]
    assert client.get(reverse("staff:home")).status_code == 200


def test_failed_login_shows_bilingual_message_and_is_audited(world: dict[str, Any]) -> None:
    response = Client().post(
        reverse("staff:login"), {"username": "madoguchi", "password": "wrong-password"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "ユーザー名またはパスワードが正しくありません" in body
    assert "The username or password is incorrect" in body
    entry = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).get()
    assert entry.actor == "madoguchi"
    assert entry.municipality == world["city"]
    assert "wrong-password" not in str(entry.detail)


def test_logout_is_post_and_audited(world: dict[str, Any]) -> None:
    client = signed_in(world["madoguchi"])
    response = client.post(reverse("staff:logout"))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=Action.LOGOUT, actor="madoguchi").exists()
    assert client.get(reverse("staff:home")).status_code == 302


def test_staff_pages_require_login(world: dict[str, Any]) -> None:
    for name in ("staff:home", "staff:resident_search", "staff:audit"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff:login") + "?next=")


def test_superuser_without_profile_is_sent_to_admin(world: dict[str, Any]) -> None:
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-only")
    response = signed_in(admin).get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_user_without_profile_gets_403(world: dict[str, Any]) -> None:
    plain = get_user_model().objects.create_user("plain", password="pw-for-tests-only")
    response = signed_in(plain).get(reverse("staff:home"))
    assert response.status_code == 403
    assert "職員として登録されていません" in response.content.decode()


def test_home_shows_departments_roles_and_counts(world: dict[str, Any]) -> None:
    response = signed_in(world["madoguchi"]).get(reverse("staff:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "市民課" in body and "個人番号事務取扱" in body and "窓口" in body
    assert response.context["counts"] == {"residents": 4, "households": 3}
    assert "サンプル市" in body
    # Modules not installed yet are not linked; the audit page only for its roles.
    assert reverse("staff:resident_search") in body
    assert reverse("staff:audit") not in body


def test_search_finds_variant_kanji_by_kana_within_own_municipality(world: dict[str, Any]) -> None:
    response = signed_in(world["madoguchi"]).get(
        reverse("staff:resident_search"), {"q": "たかはし"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "髙橋　太郎" in body and "髙橋　花子" in body
    assert "高橋　一郎" not in body  # テスト町's resident
    assert reverse("staff:resident_detail", args=[world["town_takahashi"].pk]) not in body
    assert "昭和55年4月1日" in body  # 和暦 beside 西暦
    assert AuditEntry.objects.filter(action=Action.SEARCH, actor="madoguchi").exists()


def test_search_with_bad_birth_date_is_400_and_keeps_query(world: dict[str, Any]) -> None:
    response = signed_in(world["madoguchi"]).get(
        reverse("staff:resident_search"), {"q": "たかはし", "birth_date": "昭和99年13月40日"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert response.context["error"]
    assert response.context["error"] in response.content.decode().replace("&#x27;", "'")
    assert 'value="たかはし"' in body
    assert 'value="昭和99年13月40日"' in body


def test_detail_of_other_municipality_is_404(world: dict[str, Any]) -> None:
    client = signed_in(world["madoguchi"])
    url = reverse("staff:resident_detail", args=[world["town_takahashi"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "test"}).status_code == 404


def test_detail_shows_household_and_masks_my_number(world: dict[str, Any]) -> None:
    resident = world["takahashi"]
    response = signed_in(world["madoguchi"]).get(
        reverse("staff:resident_detail", args=[resident.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "髙橋　花子" in body  # household member
    assert "123456789018" not in body
    assert "●●●● ●●●● ●●●●" in body
    assert "個人番号を表示" in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_my_number_reveal_with_reason_is_audited(world: dict[str, Any]) -> None:
    resident = world["takahashi"]
    response = signed_in(world["madoguchi"]).post(
        reverse("staff:resident_detail", args=[resident.pk]), {"reason": "児童手当の審査"}
    )
    assert response.status_code == 200
    assert "123456789018" in response.content.decode()
    entry = AuditEntry.objects.get(action=Action.READ_MY_NUMBER)
    assert entry.detail == {"granted": True}
    assert entry.reason == "児童手当の審査"
    assert entry.target_id == str(resident.pk)


def test_my_number_reveal_needs_a_reason(world: dict[str, Any]) -> None:
    response = signed_in(world["madoguchi"]).post(
        reverse("staff:resident_detail", args=[world["takahashi"].pk]), {"reason": "  "}
    )
    assert response.status_code == 400
    assert "閲覧の理由を入力してください" in response.content.decode()
    assert "123456789018" not in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.READ_MY_NUMBER).exists()


def test_my_number_reveal_refused_without_role(world: dict[str, Any]) -> None:
    client = signed_in(world["hoken"])
    url = reverse("staff:resident_detail", args=[world["takahashi"].pk])
    page = client.get(url).content.decode()
    assert "個人番号を表示" not in page
    response = client.post(url, {"reason": "見たい"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "123456789018" not in body
    assert "個人番号を閲覧する権限がありません" in body and "not allowed" in body
    entry = AuditEntry.objects.get(action=Action.READ_MY_NUMBER)
    assert entry.detail == {"granted": False}


def test_audit_page_for_managers_only(world: dict[str, Any]) -> None:
    assert signed_in(world["madoguchi"]).get(reverse("staff:audit")).status_code == 403
    manager = make_staff(world["city"], "kacho", [(world["shimin"], "manager")])
    town_manager = make_staff(world["town"], "town-kacho", [])
    StaffMembership.unscoped.create(
        municipality=world["town"],
        user=town_manager,
        department=world["town_user"].memberships.get().department,
        role="manager",
    )
    signed_in(world["madoguchi"]).get(reverse("staff:resident_search"), {"q": "やまざき"})
    signed_in(world["town_user"]).get(reverse("staff:resident_search"), {"q": "たかはし"})
    response = signed_in(manager).get(reverse("staff:audit"))
    assert response.status_code == 200
    actors = {e.actor for e in response.context["entries"]}
    assert "madoguchi" in actors
    assert "test-madoguchi" not in actors
    assert reverse("staff:audit") in response.content.decode()  # in the navigation


def test_public_home_names_the_municipality(world: dict[str, Any]) -> None:
    response = Client().get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "サンプル市" in body
    assert "手続ナビ" in body and "オンライン申請" in body
    assert 'lang="ja"' in body
    assert 'href="#main"' in body


def test_no_inline_scripts_styles_or_external_urls(world: dict[str, Any]) -> None:
    client = signed_in(world["madoguchi"])
    pages = [
        client.get(reverse("staff:home")),
        client.get(reverse("staff:resident_search"), {"q": "たかはし"}),
        client.get(reverse("staff:resident_detail", args=[world["takahashi"].pk])),
        Client().get(reverse("staff:login")),
        Client().get("/"),
    ]
    for response in pages:
        body = response.content.decode()
        assert "<script" not in body
        assert "style=" not in body
        assert "http://" not in body and "https://" not in body
