"""URLs of the staff form builder under /staff/forms/ (namespace ``eforms_builder``).

The fixed words ``new`` and ``import`` come before ``<code>/``, so a form
cannot usefully be given either as its code.
"""

from django.urls import path

from mado.eforms import builder_versions as versions
from mado.eforms import builder_views as views

app_name = "eforms_builder"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("import/", versions.import_form, name="import"),
    path("<slug:code>/", views.edit, name="edit"),
    path("<slug:code>/settings/", views.settings, name="settings"),
    path("<slug:code>/steps/add/", views.step_add, name="step_add"),
    path("<slug:code>/steps/<int:index>/delete/", views.step_delete, name="step_delete"),
    path("<slug:code>/fields/add/", views.field_add, name="field_add"),
    path("<slug:code>/fields/<str:address>/", views.field_edit, name="field_edit"),
    path("<slug:code>/fields/<str:address>/move/", views.field_move, name="field_move"),
    path("<slug:code>/fields/<str:address>/delete/", views.field_delete, name="field_delete"),
    path("<slug:code>/logic/add/", views.logic_add, name="logic_add"),
    path("<slug:code>/logic/<int:index>/delete/", views.logic_delete, name="logic_delete"),
    path("<slug:code>/preview/", versions.preview, name="preview"),
    path("<slug:code>/publish/", versions.publish, name="publish"),
    path("<slug:code>/history/", versions.history, name="history"),
    path("<slug:code>/copy/", versions.copy, name="copy"),
    path("<slug:code>/versions/<int:number>/export.json", versions.export, name="export"),
]
