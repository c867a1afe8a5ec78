"""The submissions admin: read-only, scoped to the administrator's municipality."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from mado.conftest import make_staff
from mado.submissions import services
from mado.submissions.attachments import store_upload
from mado.submissions.tests.conftest import CARD
from mado.submissions.tests.test_attachments import ACCEPT, image_bytes, upload

pytestmark = pytest.mark.django_db


def admin_user(municipality, username):
    user = make_staff(municipality, username)
    user.is_staff = True
    user.save()
    for codename in (
        "view_submission",
        "view_statuschange",
        "view_attachment",
        "change_submission",
    ):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_list_and_detail_are_scoped_and_read_only(client, world, proc, town_proc) -> None:
    sub, _ = services.create_draft(world["city"], proc, None, channel="web", identity=CARD)
    store_upload(
        world["city"],
        upload("免許証.png", image_bytes("PNG")),
        accept=ACCEPT,
        max_size=10**6,
        submission=sub,
        field_key="id_doc",
    )
    sub = services.submit(sub, {"copies": 2}, identity=CARD)
    services.change_status(sub, "accepted", by=world["madoguchi"], note="受付しました")
    town_sub, _ = services.create_draft(
        world["town"], town_proc, None, channel="web", identity=CARD
    )
    town_sub = services.submit(town_sub, {}, identity=CARD)

    client.force_login(admin_user(world["city"], "city-admin"))
    listing = client.get("/admin/submissions/submission/")
    assert listing.status_code == 200
    assert sub.receipt_number in listing.content.decode()
    assert f"/admin/submissions/submission/{town_sub.pk}/" not in listing.content.decode()
    detail = client.get(f"/admin/submissions/submission/{sub.pk}/change/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "受付しました" in body and "免許証.png" in body  # history and attachments inline
    assert "resume_token_hash" not in body
    assert 'name="_save"' not in body  # view only
    assert client.get(f"/admin/submissions/submission/{town_sub.pk}/change/").status_code in (
        302,
        404,
    )
    assert client.get("/admin/submissions/submission/add/").status_code == 403
