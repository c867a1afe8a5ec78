"""Versions, publishing, immutability, copy/import/export, audit, and prefill (with a database)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from mado.core.models import AuditEntry
from mado.eforms import services
from mado.eforms.logic import DefinitionInvalid, compile_definition, validate_submission
from mado.eforms.models import FormDefinition, FormVersion, ImmutableVersion, VersionStatus
from mado.eforms.prefill import prefill
from mado.eforms.samples import example

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(world: dict[str, Any]) -> FormDefinition:
    return services.create_form(world["city"], example(), user=world["madoguchi"])


def test_create_gives_draft_v1_and_an_audit_entry(
    world: dict[str, Any], form: FormDefinition
) -> None:
    (v1,) = services.versions_of(form)
    assert (v1.number, v1.status) == (1, VersionStatus.DRAFT)
    assert form.title == "住民票の写しの郵送請求"
    assert AuditEntry.objects.filter(
        action="create", target_type="form", target_id=str(form.pk)
    ).exists()
    assert services.current_version(world["city"], "juminhyo-yuso") is None  # not published yet


def test_invalid_definitions_and_duplicate_codes_are_refused(
    world: dict[str, Any], form: FormDefinition
) -> None:
    bad = example()
    bad["steps"][0]["fields"][0]["type"] = "signature"
    with pytest.raises(DefinitionInvalid) as info:
        services.create_form(world["city"], bad, user=world["madoguchi"])
    assert info.value.errors[0].path == "steps[0].fields[0].type"
    with pytest.raises(DefinitionInvalid, match="already in use"):
        services.create_form(world["city"], example(), user=world["madoguchi"])
    # another municipality may use the same code
    assert services.create_form(world["town"], example(), user=world["town_user"])
    with pytest.raises(DefinitionInvalid, match="no procedure 'nope'"):
        services.create_form(
            world["city"], {**example(), "code": "x", "procedure": "nope"}, user=world["madoguchi"]
        )


def test_publish_retires_the_previous_version(world: dict[str, Any], form: FormDefinition) -> None:
    user = world["madoguchi"]
    v1 = services.publish(services.latest_version(form), user=user)
    assert services.current_version(world["city"], form.code) == v1
    assert v1.published_by == user and v1.published_at
    changed = example()
    changed["title"] = "住民票の写しの郵送請求（改）"
    v2 = services.save_draft(form, changed, user=user)
    assert v2.number == 2 and v2.status == VersionStatus.DRAFT
    changed["description"] = "説明を変えました"
    assert services.save_draft(form, changed, user=user).pk == v2.pk  # the draft is updated
    services.publish(v2, user=user)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert services.current_version(world["city"], form.code).number == 2
    assert AuditEntry.objects.filter(action="publish").count() == 2
    form.refresh_from_db()
    assert form.title == "住民票の写しの郵送請求（改）"


def test_a_published_version_is_immutable(world: dict[str, Any], form: FormDefinition) -> None:
    version = services.publish(services.latest_version(form), user=world["madoguchi"])
    version.definition = {**version.definition, "title": "改ざん"}
    with pytest.raises(ImmutableVersion):
        version.save()
    version.refresh_from_db()
    version.number = 9
    with pytest.raises(ImmutableVersion):
        version.save()
    version.refresh_from_db()
    version.status = VersionStatus.DRAFT
    with pytest.raises(ImmutableVersion):
        version.save()
    version.refresh_from_db()
    with pytest.raises(ImmutableVersion):
        version.delete()
    with pytest.raises(ImmutableVersion), transaction.atomic():
        FormVersion.unscoped.filter(pk=version.pk).delete()
    with pytest.raises(ImmutableVersion):
        form.delete()  # the cascade would delete the published version
    assert FormVersion.unscoped.filter(pk=version.pk).exists()
    services.save_draft(form, example(), user=world["madoguchi"])  # a new draft is the way
    draft = services.latest_version(form)
    draft.delete()  # drafts may go


def test_save_draft_keeps_the_code(world: dict[str, Any], form: FormDefinition) -> None:
    with pytest.raises(DefinitionInvalid, match="must stay"):
        services.save_draft(form, {**example(), "code": "other"}, user=world["madoguchi"])


def test_copy_export_import_round_trip(world: dict[str, Any], form: FormDefinition) -> None:
    user = world["madoguchi"]
    copy = services.copy_form(form, "juminhyo-yuso-2", user=user)
    copied = services.latest_version(copy).definition
    assert copied["code"] == "juminhyo-yuso-2"
    assert {**copied, "code": form.code} == example()

    exported = services.export_json(services.latest_version(form))
    text = json.dumps(exported, ensure_ascii=False)
    # into another municipality: a new form
    imported = services.import_json(world["town"], text.encode(), user=world["town_user"])
    assert imported.municipality == world["town"] and imported.number == 1
    assert imported.definition == exported["definition"]
    assert services.export_json(imported)["definition"] == exported["definition"]
    # into the same municipality again: a new draft of the existing form (after publishing)
    services.publish(services.latest_version(form), user=user)
    again = services.import_json(world["city"], exported, user=user)
    assert again.form_id == form.pk and again.number == 2
    assert AuditEntry.objects.filter(action="import").count() == 2
    # a bare definition works too; garbage is a clear error
    assert services.import_json(world["city"], {**example(), "code": "bare"}, user=user)
    for junk in (b"\xff\xfe", "{", "[]", {"format": "mado-form"}):
        with pytest.raises(DefinitionInvalid):
            services.import_json(world["city"], junk, user=user)


def test_get_version_and_cache(world: dict[str, Any], form: FormDefinition) -> None:
    version = services.publish(services.latest_version(form), user=world["madoguchi"])
    assert services.get_version(str(version.pk)) == version
    assert services.get_version("x") is None and services.get_version(None) is None
    assert services.compiled(version) is services.compiled(version)


# --- prefill ----------------------------------------------------------------------

FORM = compile_definition(example())
CARD = {
    "level": "card",
    "name": "髙橋 太郎",
    "birth_date": "1980-04-01",
    "sex": "M",
    "address": "千葉県茂原市町保1番地",
    "email": "taro@example.jp",
    "subject": "X",
    "resident_id": None,
}


def test_prefill_from_a_card_locks_the_certificate_attributes(world: dict[str, Any]) -> None:
    values, locked, sources = prefill(FORM, CARD, world["takahashi"])
    assert values["name"] == {
        "family": "髙橋",
        "given": "太郎",
        "family_kana": "",
        "given_kana": "",
    }
    assert values["birth_date"] == "1980-04-01" and values["email"] == "taro@example.jp"
    assert values["name_kana"] == "タカハシ　タロウ"
    assert values["postal_code"] == "2970022"
    assert locked == {"name", "birth_date", "address"}  # email is not on the certificate
    assert sources == {
        "name": "identity",
        "birth_date": "identity",
        "address": "identity",
        "email": "identity",
        "name_kana": "registry",
        "postal_code": "registry",
        "members": "registry",
    }
    rows = values["members"]
    assert [r["name"]["given"] for r in rows] == ["太郎", "花子"]  # head first
    assert rows[1] == {
        "name": {
            "family": "髙橋",
            "given": "花子",
            "family_kana": "タカハシ",
            "given_kana": "ハナコ",
        },
        "birth_date": "1982-07-07",
        "relationship": "妻",
    }
    # the prefilled values pass validation as they are
    assert values["copies"] == 1 and "copies" not in sources  # a default, not a prefill
    result = validate_submission(
        FORM,
        {
            **values,
            "phone": "0475232111",
            "applicant_type": "self",
            "purpose": "work",
            "agree": True,
        },
        locked={k: values[k] for k in locked},
    )
    assert result.ok, result.errors


def test_prefill_by_email_locks_nothing_and_works_without_a_resident() -> None:
    values, locked, sources = prefill(FORM, {**CARD, "level": "email"}, None)
    assert values["name"]["family"] == "髙橋"
    assert locked == frozenset()
    assert set(sources) == {"name", "birth_date", "address", "email"}
    assert prefill(FORM, None, None) == ({"copies": 1}, frozenset(), {})


def test_household_others_excludes_the_resident(world: dict[str, Any]) -> None:
    d = example()
    d["steps"][1]["fields"][6]["prefill"] = "registry.household_others"
    values, _, _ = prefill(compile_definition(d), None, world["takahashi"])
    assert [r["name"]["given"] for r in values["members"]] == ["花子"]
