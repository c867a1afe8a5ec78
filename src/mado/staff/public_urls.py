"""Resident-facing URLs at / (the resident modules add theirs here)."""

from django.urls import path

from mado.staff import views

urlpatterns = [path("", views.public_home, name="public_home")]
