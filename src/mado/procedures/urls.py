"""Resident procedure search under /procedures/."""

from django.urls import path

from mado.procedures import views

app_name = "procedures"

urlpatterns = [path("", views.search, name="search")]
