"""Counter register and 納付書 pages under /staff/payments/ in the payments namespace ('register' = home)."""

from django.urls import path

from mado.payments.register import slip_views, views

urlpatterns = [
    path("", views.home, name="register"),
    path("register/float/", views.opening_float, name="register_float"),
    path("register/receipts/<int:pk>/", views.receipt, name="register_receipt"),
    path("register/receipts/<int:pk>/pdf/", views.receipt_pdf, name="register_receipt_pdf"),
    path("register/receipts/<int:pk>/void/", views.void, name="register_void"),
    path("register/days/", views.days, name="register_days"),
    path("register/days/<int:pk>/", views.day, name="register_day"),
    path("register/days/<int:pk>/csv/", views.day_csv, name="register_day_csv"),
    path("register/days/<int:pk>/close/", views.close, name="register_close"),
    path("slips/", slip_views.slip_list, name="slips"),
    path("slips/new/", slip_views.slip_new, name="slip_new"),
    path("slips/<str:reference>/", slip_views.slip_detail, name="slip_detail"),
    path("slips/<str:reference>/pdf/", slip_views.slip_pdf, name="slip_pdf"),
]
