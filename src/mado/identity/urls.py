"""Resident sign-in pages under /id/ (namespace ``identity``).

An e-mail token is Django's signed value (URL-safe base64 and ``:``), never
containing ``/``, so ``<str:token>`` captures it whole.
"""

from django.urls import path

from mado.identity import views

app_name = "identity"

urlpatterns = [
    path("", views.index, name="index"),
    path("card/", views.card, name="card"),
    path("email/", views.email_request, name="email"),
    path("email/<str:token>/", views.email_confirm, name="email_confirm"),
    path("signout/", views.sign_out, name="signout"),
]
