"""The counter screens at /staff/counter/ (name 'home' = start)."""

from django.urls import path  # noqa: F401

app_name = "counter"
urlpatterns: list = []
