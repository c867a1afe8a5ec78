"""Pre-visit application (来庁前申請) pages at /previsit/ for residents."""

from django.urls import path  # noqa: F401

app_name = "previsit"
urlpatterns: list = []
