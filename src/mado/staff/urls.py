"""Staff shell URLs under /staff/ (namespace ``staff``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from mado.staff import login_views, twofactor_views, views

app_name = "staff"

urlpatterns = [
    path("login/", login_views.StaffLoginView.as_view(), name="login"),
    path("login/verify/", login_views.login_verify, name="login_verify"),
    path("twofactor/", twofactor_views.settings_page, name="twofactor"),
    path("twofactor/enrol/", twofactor_views.enrol, name="twofactor_enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("residents/", views.resident_search, name="resident_search"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident_detail"),
    path("audit/", views.audit_log, name="audit"),
]
