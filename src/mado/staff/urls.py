"""Staff shell URLs under /staff/ (namespace ``staff``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from mado.staff import views

app_name = "staff"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("residents/", views.resident_search, name="resident_search"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident_detail"),
    path("audit/", views.audit_log, name="audit"),
]
