"""/staff/payments/: register (POS), reconciliation (消込) and payment administration in one namespace."""

from django.urls import include, path

app_name = "payments"
urlpatterns = [
    path("reconcile/", include("mado.payments.reconcile.urls")),
    path("", include("mado.payments.staff_core_urls")),
    path("", include("mado.payments.register.urls")),
]
