"""Reconciliation (消込) pages mounted under /staff/payments/reconcile/ in the payments namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
