"""Staff payment pages (payments, refunds) mounted under /staff/payments/ in the payments namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
