"""Staff payment pages (payments, refunds) mounted under /staff/payments/ in the payments namespace."""

from django.urls import path

from mado.payments import views_staff

urlpatterns = [
    path("list/", views_staff.payment_list, name="payment_list"),
    path("p/<str:reference>/", views_staff.payment_detail, name="payment_detail"),
]
