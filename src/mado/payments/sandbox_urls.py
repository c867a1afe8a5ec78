"""The sandbox payment provider's own pages at /sandbox/pay/ (hosted payment page) — stands outside the city."""

from django.urls import path  # noqa: F401

app_name = "sandbox"
urlpatterns: list = []
