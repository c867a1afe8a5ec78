"""/my/: the signed-in resident's own applications (namespace ``my``)."""

from django.urls import path

from mado.apply import my_views

app_name = "my"

urlpatterns = [
    path("", my_views.index, name="index"),
]
