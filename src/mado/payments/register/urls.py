"""Counter register pages mounted under /staff/payments/ in the payments namespace (name 'register' = its home)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
