"""Catalogue import/export (JSON, CSV) and validation of rules on save."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.exceptions import ValidationError

from mado.navigator.tests.test_plan import MINI
from mado.procedures import services
from mado.procedures.models import Procedure


def test_invalid_rows_import_nothing_and_are_all_reported(world) -> None:
    data = copy.deepcopy(MINI)
    data["procedures"][1]["rules"][0]["when"] = "national_health_insurance and"
    data["procedures"][2]["life_events"] = ["moving"]
    data["procedures"][3]["department"] = "nowhere"
    data["procedures"].append(dict(data["procedures"][0]))  # duplicate code
    report = services.import_catalogue(world["city"], data)
    assert not report.ok
    got = {(e["index"], e["field"]) for e in report.errors}
    assert {(2, "rules"), (3, "life_events"), (4, "department"), (6, "code")} <= got
    assert not Procedure.unscoped.filter(municipality=world["city"]).exists()


def test_json_round_trip_and_upsert(world) -> None:
    assert services.import_catalogue(world["city"], MINI).created == 5
    exported = services.export_catalogue(world["city"])
    assert services.import_catalogue(world["town"], exported).created == 5
    again = services.export_catalogue(world["town"])
    assert again["procedures"] == exported["procedures"]
    exported["procedures"][0]["name"] = "転入届（改）"
    report = services.import_catalogue(world["city"], exported)
    assert (report.created, report.updated) == (0, 5)
    assert Procedure.unscoped.get(municipality=world["city"], code="tennyu").name == "転入届（改）"


def test_csv_round_trip(world) -> None:
    services.import_catalogue(world["city"], MINI)
    out = io.StringIO()
    assert services.export_catalogue_csv(world["city"], out) == 5
    data = services.read_catalogue_csv(out.getvalue())
    assert services.import_catalogue(world["town"], data | {"departments": MINI["departments"]}).ok
    a = services.export_catalogue(world["city"])["procedures"]
    b = services.export_catalogue(world["town"])["procedures"]
    assert a == b


def test_csv_with_broken_rules_cell_names_the_line(world) -> None:
    text = "code,name,department,rules\ntennyu,転入届,shimin,\nkokuho,国保,hoken,{broken\n"
    with pytest.raises(services.CatalogueFormatError) as exc:
        services.read_catalogue_csv(text)
    assert "3行目" in str(exc.value)


def test_rules_are_validated_on_save(world) -> None:
    services.import_catalogue(world["city"], MINI)
    p = Procedure.unscoped.get(municipality=world["city"], code="kokuho")
    p.rules = [{"when": "__import__('os').system('x')", "reason": "x"}]
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "rules" in exc.value.message_dict
    p.rules = [{"when": "children_ages > 3", "reason": "x"}]
    with pytest.raises(ValidationError):
        p.full_clean()
    p.rules = [{"when": "any_between(children_ages, 0, 5)", "reason": "未就学のお子さん"}]
    p.full_clean()


def test_admin_import_and_export(client, world, django_user_model) -> None:
    import json

    admin = django_user_model.objects.create_superuser("root", password="x-very-long-pw-1")
    client.force_login(admin)
    upload = io.BytesIO(json.dumps(MINI, ensure_ascii=False).encode())
    upload.name = "catalogue.json"
    r = client.post(
        "/admin/procedures/procedure/import/", {"municipality": world["city"].pk, "file": upload}
    )
    assert r.status_code == 302, r.content[:500]
    assert Procedure.unscoped.filter(municipality=world["city"]).count() == 5
    ids = list(Procedure.unscoped.values_list("pk", flat=True))
    r = client.post(
        "/admin/procedures/procedure/", {"action": "export_json", "_selected_action": ids}
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    assert len(json.loads(r.content)["procedures"]) == 5
    bad = io.BytesIO(b'{"procedures": [{"code": "Bad Code"}]}')
    bad.name = "x.json"
    r = client.post(
        "/admin/procedures/procedure/import/", {"municipality": world["city"].pk, "file": bad}
    )
    assert r.status_code == 400 and "code" in r.content.decode()
