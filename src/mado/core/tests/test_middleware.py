"""TenantMiddleware: staff act for their municipality, visitors for the host's."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from mado.core.middleware import TenantMiddleware
from mado.core.tenancy import get_current_municipality
from mado.registry.models import ResidentRecord


def _run(request):
    seen = {}

    def view(req):
        seen["municipality"] = req.municipality
        seen["context"] = get_current_municipality()
        seen["visible"] = ResidentRecord.objects.count()
        return HttpResponse("ok")

    TenantMiddleware(view)(request)
    return seen


def test_staff_session_uses_staff_municipality(world) -> None:
    request = RequestFactory().get("/staff/", HTTP_HOST="testserver")
    request.user = world["town_user"]
    seen = _run(request)
    assert seen["municipality"] == world["town"] == seen["context"]
    assert seen["visible"] == 1
    assert get_current_municipality() is None  # reset after the request


def test_visitor_resolved_by_host_name(world, settings) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    world["town"].hostnames = "town.example.jp, www.town.example.jp"
    world["town"].save()
    request = RequestFactory().get("/", HTTP_HOST="www.town.example.jp")
    request.user = AnonymousUser()
    assert _run(request)["municipality"] == world["town"]
    settings.MADO_DEFAULT_MUNICIPALITY = world["city"].code
    request = RequestFactory().get("/", HTTP_HOST="other.example.jp")
    request.user = AnonymousUser()
    assert _run(request)["municipality"] == world["city"]


def test_admin_for_superuser_is_unscoped(world, django_user_model) -> None:
    admin = django_user_model.objects.create_superuser("root", password="x-long-password")
    request = RequestFactory().get("/admin/")
    request.user = admin
    seen = _run(request)
    assert seen["municipality"] is None and seen["visible"] == 5


def test_japanese_unless_chosen(client, world, settings) -> None:
    r = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "ログイン" in r.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="ja")
    assert "Sign in" in r.content.decode()
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    settings.MADO_USE_BROWSER_LANGUAGE = True
    r = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Sign in" in r.content.decode()
