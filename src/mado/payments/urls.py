"""Resident payment pages at /pay/: pay an application's fee, pay later from /my/."""

from django.urls import path  # noqa: F401

app_name = "pay"
urlpatterns: list = []
