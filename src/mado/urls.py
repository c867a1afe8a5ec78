"""URL map: resident site at /, staff at /staff/, configuration at /admin/, API at /api/v1/."""

from django.contrib import admin
from django.urls import include, path

from mado.api.router import api

urlpatterns = [
    path("", include("mado.staff.public_urls")),
    path("staff/", include("mado.staff.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
