"""Reconciliation (消込) pages mounted under /staff/payments/reconcile/ in the payments namespace."""

from django.urls import path

from mado.payments.reconcile import views

urlpatterns = [
    path("", views.home, name="reconcile_home"),
    path("files/<int:pk>/", views.file_detail, name="reconcile_file"),
    path("lines/<int:pk>/", views.line_detail, name="reconcile_line"),
    path("monthly/", views.monthly, name="reconcile_monthly"),
]
