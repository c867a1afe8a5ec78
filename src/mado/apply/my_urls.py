"""/my/: the signed-in resident's own applications (namespace ``my``)."""

from django.urls import path

from mado.apply import correct_views, my_views

app_name = "my"

urlpatterns = [
    path("", my_views.index, name="index"),
    path("<int:pk>/correct/", correct_views.correct, name="correct"),
    path("<int:pk>/notice/", correct_views.notice, name="notice"),
    path("<int:pk>/notice/<int:notice_id>.pdf", correct_views.notice_pdf, name="notice_pdf"),
]
