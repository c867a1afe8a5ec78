"""The sandbox payment provider's own pages at /sandbox/pay/ (hosted payment page) — stands outside the city."""

from django.urls import path

from mado.payments import views_sandbox

app_name = "sandbox"
urlpatterns = [
    path("<str:checkout_id>/", views_sandbox.checkout, name="checkout"),
]
