"""The counter screens at /staff/counter/ (name 'home' = start)."""

from django.urls import path

from mado.counter import views

app_name = "counter"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("card/", views.card, name="card"),
    path("scan/", views.scan, name="scan"),
    path("<uuid:session_id>/", views.plan, name="plan"),
    path("<uuid:session_id>/forms/", views.forms, name="forms"),
    path("<uuid:session_id>/forms.pdf", views.bundle, name="bundle"),
    path("<uuid:session_id>/done/", views.done, name="done"),
]
