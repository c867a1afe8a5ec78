"""The staff form builder: pure edits of a definition, and the pages at /staff/forms/.

The view tests build a form only by POSTing the builder's own forms (as the
buttons do), publish it, and have a resident submit it through /apply/.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mado.apply.tests.conftest import CATALOGUE, CODE
from mado.conftest import make_staff
from mado.eforms import builder, services
from mado.eforms.models import FormVersion, VersionStatus
from mado.procedures.services import import_catalogue

BASE = "/staff/forms/"


def _base() -> dict[str, Any]:
    return builder.empty_definition("t-form", "テスト様式")


# --- builder.py ------------------------------------------------------------------


def test_keys_come_from_the_label_and_are_made_unique() -> None:
    d = builder.add_field(_base(), 0, "number", "つうすう")
    d = builder.add_field(d, 0, "number", "つうすう")
    d = builder.add_field(d, 0, "text", "氏名")  # kanji: a slug of the type
    d = builder.add_field(d, 0, "text", "Phone Number")
    d = builder.add_step(d, "ステップ1")  # step keys share the namespace
    keys = [f["key"] for f in d["steps"][0]["fields"]]
    assert keys == ["tsuusuu", "tsuusuu_2", "text", "phone_number"]
    assert d["steps"][1]["key"] not in keys and d["steps"][1]["key"] != "step1"
    assert builder.problems(d) == []
    with pytest.raises(builder.BuilderError, match="既に使われています"):
        builder.add_field(d, 0, "text", "x", key="text")


def test_edits_return_new_dicts_and_leave_the_argument_alone() -> None:
    d = builder.add_field(_base(), 0, "text", "a", key="a")
    before = json.dumps(d)
    builder.add_field(d, 0, "text", "b", key="b")
    builder.update_field(d, "a", {"label": "A", "required": True})
    builder.remove_field(d, "a")
    assert json.dumps(d) == before


def test_move_up_and_down_within_steps_and_groups() -> None:
    d = _base()
    for k in ("a", "b", "c"):
        d = builder.add_field(d, 0, "text", k, key=k)
    d = builder.move_field(d, "c", "up")
    assert [f["key"] for f in d["steps"][0]["fields"]] == ["a", "c", "b"]
    d = builder.move_field(d, "a", "up")  # already first: unchanged
    d = builder.move_field(d, "a", "down")
    assert [f["key"] for f in d["steps"][0]["fields"]] == ["c", "a", "b"]
    d = builder.add_field(d, 0, "group", "世帯員", key="members")
    d = builder.add_field(d, 0, "text", "氏名", key="member_name", group="members")
    d = builder.move_field(d, "members.member_name", "up")
    group = d["steps"][0]["fields"][-1]
    assert [c["key"] for c in group["fields"]] == ["member_name", "item"]
    with pytest.raises(builder.BuilderError):
        builder.move_field(d, "a", "sideways")


def test_removing_a_field_a_rule_reads_is_refused_with_the_rule_number() -> None:
    d = builder.add_field(_base(), 0, "choice", "種別", key="kind")
    d = builder.add_field(d, 0, "text", "その他", key="other")
    d = builder.add_logic(d, "show", "other", 'kind == "yes"')
    assert builder.problems(d) == []
    with pytest.raises(builder.BuilderError, match="条件 1 で使われている"):
        builder.remove_field(d, "kind")
    with pytest.raises(builder.BuilderError, match="条件 1"):
        builder.remove_field(d, "other")  # as the target
    with pytest.raises(builder.BuilderError, match="条件で使われている"):
        builder.update_field(d, "kind", {"key": "kind2"})
    # a key that only appears inside a string literal is not a reference
    d2 = builder.add_logic(builder.remove_logic(d, 0), "show", "other", 'kind == "yes"')
    d2 = builder.add_field(d2, 0, "text", "yes", key="yes")
    assert builder.remove_field(d2, "yes")
    d = builder.remove_logic(d, 0)
    assert [f["key"] for f in builder.remove_field(d, "kind")["steps"][0]["fields"]] == ["other"]


def test_group_children_and_their_last_field() -> None:
    d = builder.add_field(_base(), 0, "group", "世帯員", key="members")
    with pytest.raises(builder.BuilderError, match="最後の項目"):
        builder.remove_field(d, "members.item")
    with pytest.raises(builder.BuilderError, match="繰り返し項目の中に繰り返し項目"):
        builder.add_field(d, 0, "group", "入れ子", group="members")
    d = builder.add_field(d, 0, "date", "生年月日", group="members")
    assert builder.get_field(d, "members.date")["type"] == "date"
    d = builder.remove_field(d, "members.item")
    assert [c["key"] for c in d["steps"][0]["fields"][0]["fields"]] == ["date"]
    assert builder.problems(d) == []


def test_a_bad_expression_is_reported_with_its_column() -> None:
    d = builder.add_field(_base(), 0, "number", "通数", key="copies")
    d = builder.add_field(d, 0, "money", "手数料", key="fee")
    bad = builder.add_logic(d, "compute", "fee", "copies * * 300")
    errors = builder.problems(bad, "logic[0]")
    assert errors and "文字目" in errors[0].message and "column" in errors[0].message
    assert builder.problems(builder.add_logic(d, "compute", "fee", "copies * 300")) == []


def test_update_field_sets_and_removes_properties() -> None:
    d = builder.add_field(_base(), 0, "choice", "種別", key="kind")
    d = builder.update_field(
        d,
        "kind",
        {
            "choices": builder.choices_from_lines("self|本人\nproxy|代理人|Proxy\n\n"),
            "required": True,
            "help": "選んでください",
        },
    )
    f = builder.get_field(d, "kind")
    assert f["choices"][1] == {"value": "proxy", "label": "代理人", "label_en": "Proxy"}
    assert f["required"] is True and f["help"] == "選んでください"
    d = builder.update_field(d, "kind", {"required": False, "help": ""})
    f = builder.get_field(d, "kind")
    assert "required" not in f and "help" not in f
    assert builder.choices_to_lines(f["choices"]) == "self|本人\nproxy|代理人|Proxy"
    with pytest.raises(builder.BuilderError):
        builder.update_field(d, "kind", {"type": "text"})


# --- views -----------------------------------------------------------------------


@pytest.fixture
def city_world(world: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for m in (world["city"], world["town"]):
        assert import_catalogue(m, CATALOGUE).ok
    world["manager"] = make_staff(world["city"], "kacho", [(world["shimin"], "manager")])
    return world


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_ok(client: Client, url: str, data: dict[str, Any]) -> None:
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def build_form(client: Client) -> str:
    """New form → fields (a choice, a group with two children) → two rules. Returns the code."""
    code = "builder-test"
    _post_ok(
        client,
        BASE + "new/",
        {
            "code": code,
            "title": "ビルダーの様式",
            "title_en": "",
            "procedure": CODE,
            "identity": "none",
        },
    )
    edit = f"{BASE}{code}/"
    add = edit + "fields/add/"
    _post_ok(client, add, {"step": "0", "type": "text", "label": "氏名", "key": "name"})
    _post_ok(client, add, {"step": "0", "type": "choice", "label": "請求する方", "key": "kind"})
    _post_ok(
        client,
        edit + "fields/kind/",
        {
            "key": "kind",
            "label": "請求する方",
            "required": "on",
            "choices": "self|本人\nproxy|代理人",
        },
    )
    _post_ok(
        client, add, {"step": "0", "type": "text", "label": "代理人の氏名", "key": "proxy_name"}
    )
    _post_ok(client, add, {"step": "0", "type": "group", "label": "世帯員", "key": "members"})
    _post_ok(
        client,
        add,
        {
            "step": "0",
            "type": "text",
            "label": "世帯員の氏名",
            "key": "member_name",
            "group": "members",
        },
    )
    _post_ok(
        client,
        add,
        {
            "step": "0",
            "type": "date",
            "label": "生年月日",
            "key": "member_birth",
            "group": "members",
        },
    )
    _post_ok(client, edit + "fields/members.item/delete/", {})
    for action in ("show", "require"):
        _post_ok(
            client,
            edit + "logic/add/",
            {"action": action, "target": "proxy_name", "expression": 'kind == "proxy"'},
        )
    return code


def test_build_publish_and_a_resident_submits(city_world: dict[str, Any]) -> None:
    staff = _client(city_world["manager"])
    assert staff.get(BASE).status_code == 200
    code = build_form(staff)
    page = staff.get(f"{BASE}{code}/").content.decode()
    assert "member_birth" in page and "kind == &quot;proxy&quot;" in page
    preview = staff.get(f"{BASE}{code}/preview/")
    assert (
        preview.status_code == 200 and 'id="f-members-0-member_birth"' in preview.content.decode()
    )
    assert staff.get(f"{BASE}{code}/publish/").status_code == 200
    _post_ok(staff, f"{BASE}{code}/publish/", {})
    version = services.current_version(city_world["city"], code)
    assert version is not None and version.published_by == city_world["manager"]
    assert "kacho" in staff.get(f"{BASE}{code}/history/").content.decode()

    resident = Client()
    apply = f"/apply/{CODE}/"
    assert "ビルダーの様式" in resident.get(apply).content.decode()
    first = resident.post(apply + "start/")
    assert first.status_code == 302 and first["Location"].endswith("/step1/")
    step = apply + "step1/"
    data = {
        "_action": "next",
        "f-name": "髙橋 太郎",
        "f-kind": "proxy",
        "f-members-rows": "1",
        "f-members-0-member_name": "髙橋 花子",
        "f-members-0-member_birth": "昭和57年7月7日",
    }
    missing = resident.post(step, data)
    assert missing.status_code == 400  # the require rule: proxy_name is needed now
    assert "代理人の氏名" in missing.content.decode()
    done = resident.post(step, {**data, "f-proxy_name": "山田 一郎"})
    assert done.status_code == 302 and done["Location"].endswith("/review/")
    receipt = resident.post(apply + "review/")
    assert receipt.status_code == 302 and "/apply/receipt/" in receipt["Location"]
    from mado.submissions.models import Submission

    sub = Submission.unscoped.get()
    assert sub.form_version_id == version.pk
    assert sub.data["members"][0]["member_birth"] == "1982-07-07"


def test_errors_keep_the_input_and_answer_400(city_world: dict[str, Any]) -> None:
    staff = _client(city_world["madoguchi"])
    code = build_form(staff)
    bad = staff.post(
        f"{BASE}{code}/logic/add/",
        {"action": "show", "target": "proxy_name", "expression": 'kind == "villa" and'},
    )
    body = bad.content.decode()
    assert bad.status_code == 400
    assert 'value="kind == &quot;villa&quot; and"' in body
    assert "文字目" in body and 'aria-invalid="true"' in body and "id_expression_error" in body
    dup = staff.post(
        f"{BASE}{code}/fields/add/", {"step": "0", "type": "text", "label": "x", "key": "kind"}
    )
    assert dup.status_code == 400 and "既に使われています" in dup.content.decode()
    used = staff.post(f"{BASE}{code}/fields/kind/delete/")
    assert used.status_code == 400 and "条件 1、2 で使われている" in used.content.decode()
    bad_key = staff.post(f"{BASE}{code}/fields/name/", {"key": "Bad Key", "label": "氏名"})
    assert bad_key.status_code == 400 and 'value="Bad Key"' in bad_key.content.decode()
    taken = staff.post(BASE + "new/", {"code": code, "title": "x", "identity": "none"})
    assert taken.status_code == 400 and "既に使われています" in taken.content.decode()


def test_publishing_needs_manager_or_approver(city_world: dict[str, Any]) -> None:
    clerk = _client(city_world["madoguchi"])
    code = build_form(clerk)
    assert "公開を依頼" in clerk.get(f"{BASE}{code}/publish/").content.decode()
    assert clerk.post(f"{BASE}{code}/publish/").status_code == 403
    assert services.current_version(city_world["city"], code) is None
    approver = make_staff(city_world["city"], "kessai", [(city_world["hoken_dept"], "approver")])
    _post_ok(_client(approver), f"{BASE}{code}/publish/", {})
    assert services.current_version(city_world["city"], code) is not None


def test_another_municipality_cannot_see_the_form(city_world: dict[str, Any]) -> None:
    code = build_form(_client(city_world["madoguchi"]))
    town = _client(city_world["town_user"])
    assert code not in town.get(BASE).content.decode()
    for path in ("", "preview/", "history/", "publish/", "fields/kind/", "versions/1/export.json"):
        assert town.get(f"{BASE}{code}/{path}").status_code == 404, path
    assert town.post(f"{BASE}{code}/fields/kind/delete/").status_code == 404
    assert Client().get(BASE).status_code == 302  # not signed in: to the sign-in page


def test_published_version_is_immutable_and_edits_start_a_new_draft(
    city_world: dict[str, Any],
) -> None:
    staff = _client(city_world["manager"])
    code = build_form(staff)
    _post_ok(staff, f"{BASE}{code}/publish/", {})
    v1 = services.current_version(city_world["city"], code)
    frozen = json.dumps(v1.definition, sort_keys=True)
    assert "公開済みのため変更できません" in staff.get(f"{BASE}{code}/").content.decode()
    _post_ok(
        staff,
        f"{BASE}{code}/fields/add/",
        {"step": "0", "type": "email", "label": "メール", "key": "mail"},
    )
    v1.refresh_from_db()
    assert json.dumps(v1.definition, sort_keys=True) == frozen
    assert v1.status == VersionStatus.PUBLISHED
    v2 = FormVersion.unscoped.get(form=v1.form, number=2)
    assert v2.status == VersionStatus.DRAFT
    assert any(f["key"] == "mail" for f in v2.definition["steps"][0]["fields"])
    # publishing again twice is harmless; the first published version retires
    _post_ok(staff, f"{BASE}{code}/publish/", {})
    _post_ok(staff, f"{BASE}{code}/publish/", {})
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert services.current_version(city_world["city"], code).number == 2


def test_export_import_and_copy(city_world: dict[str, Any]) -> None:
    staff = _client(city_world["madoguchi"])
    code = build_form(staff)
    exported = staff.get(f"{BASE}{code}/versions/1/export.json")
    assert exported.status_code == 200 and "attachment" in exported["Content-Disposition"]
    payload = json.loads(exported.content)
    assert payload["format"] == "mado-form" and payload["definition"]["code"] == code

    payload["definition"]["code"] = "imported"
    upload = SimpleUploadedFile("f.json", json.dumps(payload).encode(), "application/json")
    _post_ok(staff, BASE + "import/", {"file": upload})
    assert services.latest_version(services.forms_of(city_world["city"])[-1]) is not None
    garbage = SimpleUploadedFile("f.json", b"{not json", "application/json")
    response = staff.post(BASE + "import/", {"file": garbage})
    assert response.status_code == 400 and "JSON" in response.content.decode()

    _post_ok(staff, f"{BASE}{code}/copy/", {"new_code": "copied"})
    codes = [f.code for f in services.forms_of(city_world["city"])]
    assert {"imported", "copied", code} <= set(codes)
    again = staff.post(f"{BASE}{code}/copy/", {"new_code": "copied"})
    assert again.status_code == 400
    listing = staff.get(BASE).content.decode()
    assert "copied" in listing and "imported" in listing


def test_the_staff_menu_links_to_the_builder(city_world: dict[str, Any]) -> None:
    body = _client(city_world["madoguchi"]).get("/staff/").content.decode()
    assert 'href="/staff/forms/"' in body


def test_move_and_delete_views_save_and_redirect_or_refuse(city_world: dict[str, Any]) -> None:
    """The small edit views: a good edit is saved (PRG), a refused one is a 400 with nothing saved."""
    from mado.eforms.models import FormDefinition

    staff = _client(city_world["madoguchi"])
    code = build_form(staff)
    form = FormDefinition.unscoped.get(municipality=city_world["city"], code=code)

    def keys() -> list[str]:
        definition = services.latest_version(form).definition
        return [f["key"] for f in definition["steps"][0]["fields"]]

    def logic_count() -> int:
        return len(services.latest_version(form).definition.get("logic", []))

    before = keys()
    moved = staff.post(f"{BASE}{code}/fields/proxy_name/move/", {"direction": "up"})
    assert moved.status_code == 302 and moved["Location"].endswith("#field-proxy_name")
    i = before.index("proxy_name")
    assert keys()[i - 1] == "proxy_name" and keys()[i] == before[i - 1]
    bad = staff.post(f"{BASE}{code}/fields/proxy_name/move/", {"direction": "sideways"})
    assert bad.status_code == 400
    n = logic_count()
    assert staff.post(f"{BASE}{code}/logic/{n - 1}/delete/").status_code == 302
    assert logic_count() == n - 1
    assert staff.post(f"{BASE}{code}/logic/99/delete/").status_code == 400
    assert logic_count() == n - 1
    assert staff.post(f"{BASE}{code}/steps/99/delete/").status_code == 400
