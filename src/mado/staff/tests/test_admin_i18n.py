"""Admin scoping per municipality, read-only audit log, and the English translation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from mado.core.audit import Action, record
from mado.core.models import ApiToken, AuditEntry
from mado.core.services import issue_token

pytestmark = pytest.mark.django_db


def city_admin(user: Any, *codenames: str) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_only_own_municipality_residents(world: dict[str, Any]) -> None:
    client = city_admin(world["madoguchi"], "view_residentrecord")
    response = client.get(reverse("admin:registry_residentrecord_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "髙橋　太郎" in body and "山﨑　次郎" in body
    assert "高橋　一郎" not in body
    listed = set(response.context["cl"].queryset.values_list("municipality_id", flat=True))
    assert listed == {world["city"].pk}
    other = reverse("admin:registry_residentrecord_change", args=[world["town_takahashi"].pk])
    assert client.get(other).status_code in (302, 404)


def test_admin_search_by_kana_and_never_shows_my_number(world: dict[str, Any]) -> None:
    client = city_admin(world["madoguchi"], "view_residentrecord", "change_residentrecord")
    response = client.get(reverse("admin:registry_residentrecord_changelist"), {"q": "タカハシ"})
    assert response.context["cl"].result_count == 2
    detail = client.get(
        reverse("admin:registry_residentrecord_change", args=[world["takahashi"].pk])
    )
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "123456789018" not in body
    assert world["takahashi"].my_number_encrypted not in body
    assert "登録あり" in body
    assert AuditEntry.objects.filter(action=Action.READ, reason__contains="管理画面").exists()


def test_superuser_sees_every_municipality(world: dict[str, Any]) -> None:
    root = get_user_model().objects.create_superuser("root", password="pw-for-tests-only")
    client = Client()
    client.force_login(root)
    response = client.get(reverse("admin:registry_residentrecord_changelist"))
    assert response.context["cl"].result_count == 5


def test_audit_log_admin_is_read_only_and_scoped(world: dict[str, Any]) -> None:
    record(Action.READ, user=world["madoguchi"], target_type="resident", target_id=1)
    record(Action.READ, user=world["town_user"], target_type="resident", target_id=2)
    client = city_admin(
        world["madoguchi"],
        "view_auditentry",
        "change_auditentry",
        "delete_auditentry",
        "add_auditentry",
    )
    response = client.get(reverse("admin:core_auditentry_changelist"))
    assert response.status_code == 200
    actors = {e.actor for e in response.context["cl"].queryset}
    assert actors == {"madoguchi"}
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    entry = AuditEntry.objects.filter(actor="madoguchi").first()
    assert (
        client.post(
            reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_api_token_revoke_action_and_no_secret(world: dict[str, Any]) -> None:
    secret = issue_token(world["madoguchi"], "test")
    issue_token(world["town_user"], "town")
    client = city_admin(world["madoguchi"], "view_apitoken", "change_apitoken")
    changelist = reverse("admin:core_apitoken_changelist")
    listing = client.get(changelist)
    assert secret not in listing.content.decode()
    assert listing.context["cl"].result_count == 1
    mine = ApiToken.unscoped.get(user=world["madoguchi"])
    town = ApiToken.unscoped.get(user=world["town_user"])
    client.post(changelist, {"action": "revoke", "_selected_action": [mine.pk, town.pk]})
    mine.refresh_from_db()
    town.refresh_from_db()
    assert mine.revoked is True
    assert town.revoked is False  # another municipality's token is out of reach


def test_language_switch_to_english(world: dict[str, Any]) -> None:
    client = Client()
    ja = client.get(reverse("staff:login")).content.decode()
    assert "ログイン" in ja and 'lang="ja"' in ja
    response = client.post(reverse("set_language"), {"language": "en", "next": "/staff/login/"})
    assert response.status_code == 302
    en = client.get(reverse("staff:login")).content.decode()
    assert "Sign in" in en and 'lang="en"' in en
    assert "ログイン</h1>" not in en
    failed = client.post(reverse("staff:login"), {"username": "x", "password": "y"})
    assert "The username or password is incorrect" in failed.content.decode()


def test_english_staff_pages_and_model_names(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["madoguchi"])
    client.post(reverse("set_language"), {"language": "en", "next": "/staff/"})
    body = client.get(reverse("staff:resident_search"), {"q": "たかはし"}).content.decode()
    assert "Resident search" in body
    detail = client.get(reverse("staff:resident_detail", args=[world["takahashi"].pk]))
    assert "National Health Insurance" in detail.content.decode()


def _resident_post(resident: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "municipality": resident.municipality_id,
        "atena_number": resident.atena_number,
        "status": resident.status,
        "status_date": "",
        "family_name": resident.family_name,
        "given_name": resident.given_name,
        "family_name_kana": resident.family_name_kana,
        "given_name_kana": resident.given_name_kana,
        "former_surname": "",
        "former_surname_kana": "",
        "alias_name": "",
        "birth_date": resident.birth_date.isoformat(),
        "sex": resident.sex,
        "household": resident.household_id,
        "relationship": resident.relationship,
        "postal_code": resident.postal_code,
        "address": resident.address,
        "address_extra": "",
        "address_since": resident.address_since.isoformat(),
        "resident_since": resident.resident_since.isoformat(),
        "previous_address": "",
        "nationality_type": resident.nationality_type,
        "honseki": "",
        "hittousha": "",
        "nationality": "",
        "residence_status": "",
        "residence_expiry": "",
    }
    data.update(changes)
    return data


def test_admin_name_change_reindexes_and_is_audited(world: dict[str, Any]) -> None:
    from mado.registry import services

    resident = world["watanabe"]
    client = city_admin(world["madoguchi"], "view_residentrecord", "change_residentrecord")
    url = reverse("admin:registry_residentrecord_change", args=[resident.pk])
    response = client.post(
        url,
        _resident_post(
            resident,
            family_name="渡辺",
            family_name_kana="ワタナベ",
            given_name="四郎",
            given_name_kana="シロウ",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    found = services.search_residents(world["city"], "しろう", user=world["madoguchi"])
    assert [r.pk for r in found] == [resident.pk]
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, target_type="resident", target_id=str(resident.pk)
    ).exists()


def test_admin_foreign_key_choices_stay_in_own_municipality(world: dict[str, Any]) -> None:
    resident = world["watanabe"]
    town_household = world["town_takahashi"].household_id
    client = city_admin(world["madoguchi"], "view_residentrecord", "change_residentrecord")
    url = reverse("admin:registry_residentrecord_change", args=[resident.pk])
    response = client.post(
        url, _resident_post(resident, household=town_household, municipality=world["town"].pk)
    )
    assert response.status_code == 200  # the form is shown again with errors
    errors = response.context["adminform"].form.errors
    assert "household" in errors and "municipality" in errors
    resident.refresh_from_db()
    assert resident.household_id != town_household
