"""Case inboxes at /staff/cases/ (name 'inbox')."""

from django.urls import path  # noqa: F401

app_name = "casework"
urlpatterns: list = []
