"""A populated two-municipality world for the API-wide tests (fuzzing, malformed input, tenancy).

Why a fixture of its own: these tests walk *every* endpoint, so サンプル市 needs
one real object behind each kind of id the API takes (a resident, a published
sign-in-free form, a counter session, a case), and テスト町 needs a token of its
own. Built with the apps' public services only, like a municipality would be.
"""

from __future__ import annotations

from typing import Any

import pytest

from mado.conftest import make_department
from mado.core.models import StaffMembership
from mado.core.services import issue_token


def _publish(municipality: Any, code: str) -> Any:
    from mado.eforms import services as eforms
    from mado.eforms.demo import demo_definitions

    definition = next(d for d in demo_definitions() if d["code"] == code)
    version = eforms.import_json(municipality, definition, user=None)
    eforms.publish(version, user=None)
    return version


@pytest.fixture
def api_world(world: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    """サンプル市 with catalogue, forms, a counter session and a case; tokens of both towns."""
    from mado.casework.services import open_case
    from mado.counter import services as counter
    from mado.counter.demo import publish_counter_forms
    from mado.procedures.catalogue import clear_cache
    from mado.procedures.services import seed_standard_catalogue
    from mado.submissions import services as subs

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MADO_DEFAULT_MUNICIPALITY = world["city"].code
    city, town = world["city"], world["town"]
    clear_cache()
    # Only サンプル市 gets a catalogue: every procedure code is then a サンプル市 object.
    report = seed_standard_catalogue(city)
    assert report.ok, report.errors
    publish_counter_forms(city)
    version = _publish(city, "event-sanka")

    session = counter.start_session(
        city, world["takahashi"], user=world["madoguchi"], identified_by="api",
        life_event="moving_within", facts={}, answers={},
    )
    values = {
        "event": "walk",
        "name": {"family": "髙橋", "given": "花子", "family_kana": "たかはし", "given_kana": "はなこ"},
        "email": "hanako@example.jp", "phone": "0475-23-1111", "resident": "city",
        "participants": [{"full_name": "髙橋 花子", "furigana": "たかはし はなこ", "age": "42"}],
        "photo_consent": True,
    }
    sub = subs.create_submitted(
        city, version.form.procedure, version, values, channel="web", identity=None,
        fee_yen=0, fields_typed=5, attachment_refs=[],
    )
    case = open_case(sub)
    # The madoguchi token must see the case (a positive control for the tenancy test).
    StaffMembership.unscoped.create(
        municipality=city, user=world["madoguchi"], department=case.department, role="reviewer"
    )
    town_dept = make_department(town, "kikaku", "企画課")
    from mado.payments import services as payments

    payment = payments.create_payment(
        city, amount_yen=300, description="住民票の写し", channel="web", submission=sub
    )
    return {
        **world,
        "session": session,
        "submission": sub,
        "case": case,
        "payment": payment,
        "form_code": version.form.procedure.code,
        "town_dept": town_dept,
        "city_token": issue_token(world["madoguchi"], "fuzz"),
        "town_token": issue_token(world["town_user"], "fuzz"),
    }


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Requests made through the WSGI app (schemathesis) must not close the test's connection.

    Django closes database connections at the end of each request
    (``close_old_connections``); on PostgreSQL that ends the test's transaction.
    Django's own test client switches this off around each request; the WSGI
    calls schemathesis makes do not, so it is switched off for these tests.
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
