"""Admin: import a form file, export it back, see a published version read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mado.eforms import services
from mado.eforms.models import FormDefinition
from mado.eforms.samples import example

pytestmark = pytest.mark.django_db


def test_admin_import_export_and_read_only_published(
    client: Any, world: dict[str, Any], django_user_model: Any
) -> None:
    root = django_user_model.objects.create_superuser("root", password="x-very-long-pw-1")
    client.force_login(root)
    upload = SimpleUploadedFile("form.json", json.dumps(example(), ensure_ascii=False).encode())
    r = client.post(
        "/admin/eforms/formdefinition/import/", {"municipality": world["city"].pk, "file": upload}
    )
    assert r.status_code == 302, r.content[:500]
    form = FormDefinition.unscoped.get(municipality=world["city"], code="juminhyo-yuso")

    r = client.post(
        "/admin/eforms/formdefinition/", {"action": "export_json", "_selected_action": [form.pk]}
    )
    assert r.status_code == 200
    assert json.loads(r.content)["definition"] == example()

    bad = example()
    bad["logic"].append({"action": "show", "target": "ghost", "when": "true"})
    upload = SimpleUploadedFile("bad.json", json.dumps(bad).encode())
    r = client.post(
        "/admin/eforms/formdefinition/import/", {"municipality": world["city"].pk, "file": upload}
    )
    assert r.status_code == 400
    assert "logic[7].target" in r.content.decode()

    version = services.publish(services.latest_version(form), user=root)
    r = client.get(f"/admin/eforms/formversion/{version.pk}/change/")
    assert r.status_code == 200
    assert 'name="definition"' not in r.content.decode()  # read-only once published
    r = client.get(f"/admin/eforms/formdefinition/{form.pk}/change/")
    assert r.status_code == 200 and "住民票の写しの郵送請求" in r.content.decode()
