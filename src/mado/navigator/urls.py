"""Navigator URLs under /navi/ (namespace ``navigator``; names are relied on elsewhere).

The sheet routes come before ``<life_event>/`` so that "sheet" is never read
as a life event. A sheet token is Django's signed value (URL-safe base64,
``:`` and a leading ``.``), never containing ``/``.
"""

from django.urls import path

from mado.navigator import views

app_name = "navigator"

urlpatterns = [
    path("", views.home, name="home"),
    path("sheet/<str:token>.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("sheet/<str:token>/", views.sheet, name="sheet"),
    path("<str:life_event>/", views.event, name="event"),
]
