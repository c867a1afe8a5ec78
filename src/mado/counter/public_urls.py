"""Pre-visit application (来庁前申請) pages at /previsit/ for residents."""

from django.urls import path

from mado.counter import public_views

app_name = "previsit"
urlpatterns = [
    path("", public_views.start, name="start"),
]
