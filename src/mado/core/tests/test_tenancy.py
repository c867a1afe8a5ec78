"""Tenant scoping: rows of one municipality are invisible and unwritable from another."""

import pytest

from mado.core.models import Department
from mado.core.tenancy import TenantViolation, use_municipality
from mado.registry.models import ResidentRecord


def test_default_manager_scopes_to_current_municipality(world) -> None:
    with use_municipality(world["town"]):
        names = set(ResidentRecord.objects.values_list("family_name", flat=True))
        assert names == {"高橋"}
        assert not ResidentRecord.objects.filter(pk=world["takahashi"].pk).exists()
    with use_municipality(world["city"]):
        assert ResidentRecord.objects.filter(pk=world["takahashi"].pk).exists()
        assert not ResidentRecord.objects.filter(pk=world["town_takahashi"].pk).exists()


def test_cross_tenant_write_and_delete_refused(world) -> None:
    other = world["town_takahashi"]
    with use_municipality(world["city"]):
        other.family_name = "改ざん"
        with pytest.raises(TenantViolation):
            other.save()
        with pytest.raises(TenantViolation):
            other.delete()
    other.refresh_from_db()
    assert other.family_name == "高橋"


def test_new_row_takes_current_municipality(world) -> None:
    with use_municipality(world["town"]):
        d = Department(code="zeimu", name="税務課")
        d.save()
    assert d.municipality_id == world["town"].pk


def test_without_context_everything_is_visible_for_system_work(world) -> None:
    assert ResidentRecord.objects.count() == 5
    assert Department.objects.count() == 3
