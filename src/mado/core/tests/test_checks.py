"""Production refuses to run with the public demo accounts."""

from mado.core.checks import demo_accounts_in_production
from mado.core.models import StaffProfile


def test_demo_accounts_block_production(world, settings) -> None:
    StaffProfile.objects.filter(user__username="madoguchi").update(is_demo=True)
    settings.PRODUCTION = False
    assert demo_accounts_in_production() == []
    settings.PRODUCTION = True
    errors = demo_accounts_in_production()
    assert [e.id for e in errors] == ["mado.E001"]
    assert "madoguchi" in errors[0].msg


def test_remove_demo_accounts_clears_the_check(world, settings) -> None:
    from django.core.management import call_command

    StaffProfile.objects.filter(user__username="madoguchi").update(is_demo=True)
    settings.PRODUCTION = True
    call_command("remove_demo_accounts")
    assert demo_accounts_in_production() == []
    world["madoguchi"].refresh_from_db()
    assert not world["madoguchi"].is_active


def test_demo_superuser_with_published_password_blocks_production(
    db, settings, django_user_model
) -> None:
    from django.core.management import call_command

    django_user_model.objects.create_superuser("admin", password="mado-demo-2026")
    settings.PRODUCTION = True
    assert [e.id for e in demo_accounts_in_production()] == ["mado.E001"]
    call_command("remove_demo_accounts")
    assert demo_accounts_in_production() == []


def test_operator_admin_with_own_password_is_fine(db, settings, django_user_model) -> None:
    django_user_model.objects.create_superuser("admin", password="a-real-operator-secret-91")
    settings.PRODUCTION = True
    assert demo_accounts_in_production() == []
