"""Apply URLs under /apply/ (namespace ``eforms``: the navigator links to ``eforms:apply``).

Why a path converter on the apply page: the navigator shows 「オンラインで申請」
with ``reverse("eforms:apply", args=[code])`` whenever that reverse succeeds,
and otherwise the city's external link. :class:`PublishedFormCode` makes the
reverse succeed only for a procedure that has a published form in the
current municipality (Django treats ``ValueError`` from ``to_url`` as "no
match"), so a procedure still served by an external tool keeps its external
link. Incoming URLs accept any slug: an unknown code gets the apply 404 page
with a link to the navigator.

Fixed words (resume, receipt) come before ``<code>/`` so they are never read
as a procedure code; a step may not be called start, review or save.
"""

from django.urls import path, register_converter
from django.urls.converters import SlugConverter

from mado.apply import my_views, views


class PublishedFormCode(SlugConverter):
    def to_url(self, value: str) -> str:
        from mado.apply.services import has_published_form

        if not has_published_form(str(value)):
            raise ValueError(f"no published form for {value!r}")
        return super().to_url(value)


register_converter(PublishedFormCode, "published_form")

app_name = "eforms"

urlpatterns = [
    path("resume/<str:token>/", views.resume, name="resume"),
    path("receipt/<int:pk>/", my_views.receipt, name="receipt"),
    path("receipt/<int:pk>.pdf", my_views.receipt_pdf, name="receipt_pdf"),
    path("<published_form:code>/", views.intro, name="apply"),
    path("<slug:code>/", views.intro, name="apply_any"),
    path("<slug:code>/start/", views.start, name="start"),
    path("<slug:code>/review/", views.review, name="review"),
    path("<slug:code>/save/", views.save, name="save"),
    path("<slug:code>/<slug:step_key>/", views.step, name="step"),
]
