"""Apply URLs under /apply/ (namespace ``eforms``: the navigator links to ``eforms:apply``).

The navigator links here only for procedures with a published form
(``eforms.services.published_procedure_codes``); any other slug gets the apply
404 page with a link to the navigator.

Fixed words (resume, receipt) come before ``<code>/`` so they are never read
as a procedure code; a step may not be called start, review or save.
"""

from django.urls import path

from mado.apply import my_views, views, views_paper

app_name = "eforms"

urlpatterns = [
    path("resume/<str:token>/", views.resume, name="resume"),
    path("receipt/<int:pk>/", my_views.receipt, name="receipt"),
    path("receipt/<int:pk>.pdf", my_views.receipt_pdf, name="receipt_pdf"),
    path("receipt/<int:pk>/form.pdf", views_paper.submission_form, name="paper_submission"),
    path("<slug:code>/form.pdf", views_paper.blank_form, name="paper_form"),
    path("<slug:code>/", views.intro, name="apply"),
    path("<slug:code>/start/", views.start, name="start"),
    path("<slug:code>/review/", views.review, name="review"),
    path("<slug:code>/save/", views.save, name="save"),
    path("<slug:code>/<slug:step_key>/", views.step, name="step"),
]
