"""URL map: resident site at /, staff at /staff/, configuration at /admin/, API at /api/v1/."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path

from mado.api.router import api


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown API paths answer in the API's JSON error shape, not an HTML page."""
    return JsonResponse(
        {"detail": "APIのパスが見つかりません / no such API path", "errors": []}, status=404
    )


urlpatterns = [
    path("", include("mado.staff.public_urls")),
    path("navi/", include("mado.navigator.urls")),
    path("procedures/", include("mado.procedures.urls")),
    path("id/", include("mado.identity.urls")),
    path("apply/", include("mado.apply.urls")),
    path("my/", include("mado.apply.my_urls")),
    path("pay/", include("mado.payments.urls")),
    path("sandbox/pay/", include("mado.payments.sandbox_urls")),
    path("previsit/", include("mado.counter.public_urls")),
    path("staff/forms/", include("mado.eforms.builder_urls")),
    path("staff/payments/", include("mado.payments.staff_urls")),
    path("staff/counter/", include("mado.counter.urls")),
    path("staff/cases/", include("mado.casework.urls")),
    path("staff/", include("mado.staff.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
]
