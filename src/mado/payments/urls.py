"""Resident payment pages at /pay/: pay an application's fee, pay later from /my/.

The provider's webhook endpoint sits here too (``pay:webhook``,
``/pay/webhooks/<provider>/``); fixed words come before ``<reference>/``.
"""

from django.urls import path

from mado.payments import views, webhooks

app_name = "pay"
urlpatterns = [
    path("webhooks/<slug:provider>/", webhooks.webhook_view, name="webhook"),
    path("<str:reference>/", views.pay, name="pay"),
    path("<str:reference>/done/", views.done, name="done"),
]
